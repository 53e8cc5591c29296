export { useTheme } from './model/theme'
export type { Theme } from './model/theme'
export { default as ThemeToggle } from './ui/ThemeToggle.vue'
