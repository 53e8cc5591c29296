export { default } from './ui/LiveWatchPage.vue'
