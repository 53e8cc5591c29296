export { useSessionStore } from './model/sessionStore'
export { userApi } from './api/userApi'
export { default as UserAvatar } from './ui/UserAvatar.vue'
