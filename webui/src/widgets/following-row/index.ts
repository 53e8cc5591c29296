export { default as FollowingRow } from './ui/FollowingRow.vue'
