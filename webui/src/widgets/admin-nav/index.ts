export { default as AdminNav } from './ui/AdminNav.vue'
