export { default } from './ui/LibraryItemPage.vue'
