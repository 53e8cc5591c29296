export { default as HistoryFeed } from './ui/HistoryFeed.vue'
export { useHistoryFeed, FEED_PAGE_SIZE } from './model/useHistoryFeed'
export type { FeedDeps } from './model/useHistoryFeed'
