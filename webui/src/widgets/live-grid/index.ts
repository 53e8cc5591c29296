export { default as LiveGrid } from './ui/LiveGrid.vue'
