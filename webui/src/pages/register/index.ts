export { default } from './ui/RegisterPage.vue'
