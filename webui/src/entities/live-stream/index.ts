export { fetchLiveStreams, playlistUrl } from './api/liveApi'
export type { LiveListing } from './api/liveApi'
export { default as LiveStreamCard } from './ui/LiveStreamCard.vue'
