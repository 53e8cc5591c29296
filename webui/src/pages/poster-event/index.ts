export { default } from './ui/PosterEventPage.vue'
