export { default as AvatarUpload } from './ui/AvatarUpload.vue'
export { useAvatarUpload, checkAvatarFile, AVATAR_MAX_MB } from './model/useAvatarUpload'
