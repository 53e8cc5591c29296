export { default as ShareButton } from './ui/ShareButton.vue'
