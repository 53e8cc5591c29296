export { default as ClearHistoryButton } from './ui/ClearHistoryButton.vue'
export { default as PauseHistorySwitch } from './ui/PauseHistorySwitch.vue'
export { default as RemoveEntryButton } from './ui/RemoveEntryButton.vue'
