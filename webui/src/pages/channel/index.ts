export { default } from './ui/ChannelPage.vue'
