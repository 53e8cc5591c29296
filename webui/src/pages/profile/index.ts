export { default } from './ui/ProfilePage.vue'
