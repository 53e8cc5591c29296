export { default } from './ui/LibraryPage.vue'
