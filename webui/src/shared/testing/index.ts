// Helpers for component tests only (never imported by app code).
import { RouterLinkStub } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { createAppI18n } from '../i18n'
import type { Locale } from '../i18n'

/** Global mount options: English (or the given) messages, a fresh Pinia, RouterLink stubbed. */
export function globalMountOptions(locale: Locale = 'en') {
  return {
    plugins: [createAppI18n(locale), createPinia()],
    stubs: { RouterLink: RouterLinkStub },
  }
}
