export { default as LibraryGrid } from './ui/LibraryGrid.vue'
