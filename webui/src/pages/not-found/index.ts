export { default } from './ui/NotFoundPage.vue'
