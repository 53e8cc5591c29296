export { default } from './ui/LivePage.vue'
