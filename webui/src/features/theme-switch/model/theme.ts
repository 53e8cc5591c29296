// Dark by default (it is a cinema); a light theme for daylight, remembered per browser.
import { readonly, ref } from 'vue'
import { readSetting, writeSetting } from '@/shared/lib'

export type Theme = 'dark' | 'light'
const STORAGE_KEY = 'kek.theme'

const theme = ref<Theme>(readSetting(STORAGE_KEY) === 'light' ? 'light' : 'dark')

function apply(value: Theme) {
  document.documentElement.dataset.theme = value
  document.querySelector('meta[name="theme-color"]')?.setAttribute('content', value === 'dark' ? '#0b0b0f' : '#f5f5f7')
}

export function useTheme() {
  function setTheme(value: Theme) {
    theme.value = value
    writeSetting(STORAGE_KEY, value)
    apply(value)
  }
  function toggle() {
    setTheme(theme.value === 'dark' ? 'light' : 'dark')
  }
  return { theme: readonly(theme), setTheme, toggle, apply: () => apply(theme.value) }
}
