export { default as ProfileForm } from './ui/ProfileForm.vue'
export { default as PasswordForm } from './ui/PasswordForm.vue'
