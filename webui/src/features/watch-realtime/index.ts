export { default as RealtimeVideo } from './ui/RealtimeVideo.vue'
export { startWhep, WhepError } from './model/whep'
export type { WhepSession } from './model/whep'
