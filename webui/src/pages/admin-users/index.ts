export { default } from './ui/AdminUsersPage.vue'
