export { default } from './ui/StudioPage.vue'
