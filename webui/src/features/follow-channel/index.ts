export { default as FollowButton } from './ui/FollowButton.vue'
