export { default as AppHeader } from './ui/AppHeader.vue'
