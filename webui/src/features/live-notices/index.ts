export { default as LiveNotices } from './ui/LiveNotices.vue'
export { default as BrowserNotificationsToggle } from './ui/BrowserNotificationsToggle.vue'
export { parseChannelLive } from './model/channelLive'
export type { ChannelLiveEvent } from './model/channelLive'
