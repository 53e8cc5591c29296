export { default } from './ui/HistoryPage.vue'
