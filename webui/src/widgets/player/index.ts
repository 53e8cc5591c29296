export { default as VideoPlayer } from './ui/VideoPlayer.vue'
export { default as QualityMenu } from './ui/QualityMenu.vue'
export type { PlayerSource, QualityLevel, PlayerStatus, StreamFormat } from './model/types'
export { AUTO_LEVEL } from './model/types'
