export { default as PrivateFeed } from './ui/PrivateFeed.vue'
