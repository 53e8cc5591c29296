export { default as ChannelSettingsForm } from './ui/ChannelSettingsForm.vue'
