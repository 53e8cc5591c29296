export { default } from './ui/AdminPage.vue'
