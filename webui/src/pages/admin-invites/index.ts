export { default } from './ui/AdminInvitesPage.vue'
