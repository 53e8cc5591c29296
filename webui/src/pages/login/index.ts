export { default } from './ui/LoginPage.vue'
