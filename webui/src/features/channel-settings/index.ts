export { default as ChannelSettingsForm } from './ui/ChannelSettingsForm.vue'
export { default as BannerUploadForm } from './ui/BannerUploadForm.vue'
