export { default } from './ui/PosterPage.vue'
