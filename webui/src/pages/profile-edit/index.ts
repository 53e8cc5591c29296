export { default } from './ui/ProfileEditPage.vue'
