export { default } from './ui/AdminGroupsPage.vue'
