export { default as ContinueWatchingRow } from './ui/ContinueWatchingRow.vue'
