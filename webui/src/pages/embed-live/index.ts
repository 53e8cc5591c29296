export { default } from './ui/EmbedLivePage.vue'
