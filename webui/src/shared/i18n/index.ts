// vue-i18n setup: the language is taken from the browser on first visit, then remembered.
import { createI18n } from 'vue-i18n'
import en from './messages/en'
import ru from './messages/ru'
import type { MessageSchema } from './schema'
import { readSetting, writeSetting } from '../lib/storage'

export const SUPPORTED_LOCALES = ['en', 'ru'] as const
export type Locale = (typeof SUPPORTED_LOCALES)[number]
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', ru: 'Русский' }
const STORAGE_KEY = 'kek.locale'

function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value)
}

/** Remembered choice first, then the browser's preferred languages, then English. */
export function detectLocale(languages: readonly string[] = globalThis.navigator?.languages ?? []): Locale {
  const saved = readSetting(STORAGE_KEY)
  if (isLocale(saved)) return saved
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0]
    if (isLocale(base)) return base
  }
  return 'en'
}

/** Russian plural forms: 0 -> "no viewers", 1/21 -> one, 2-4/22-24 -> few, else many. */
function russianPlural(choice: number, choicesLength: number): number {
  if (choice === 0 && choicesLength === 4) return 0
  const offset = choicesLength === 4 ? 1 : 0
  const mod10 = choice % 10
  const mod100 = choice % 100
  if (mod10 === 1 && mod100 !== 11) return offset
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 10 || mod100 >= 20)) return offset + 1
  return offset + 2
}

export function createAppI18n(locale: Locale = detectLocale()) {
  return createI18n<[MessageSchema], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: { en, ru },
    pluralRules: { ru: russianPlural },
  })
}

export const i18n = createAppI18n()

export function currentLocale(): Locale {
  return i18n.global.locale.value
}

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  writeSetting(STORAGE_KEY, locale)
  document.documentElement.lang = locale
}
