export { default } from './ui/ComingSoonPage.vue'
