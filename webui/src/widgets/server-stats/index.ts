export { default as ServerStats } from './ui/ServerStats.vue'
