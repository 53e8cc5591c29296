export { default as StudioUploads } from './ui/StudioUploads.vue'
