import { beforeEach, describe, expect, it } from 'vitest'
import en from './messages/en'
import ru from './messages/ru'
import { createAppI18n, detectLocale, setLocale } from './index'

function keysOf(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (typeof v === 'object' && v ? keysOf(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
}

describe('i18n', () => {
  beforeEach(() => localStorage.clear())

  it('has the same keys in Russian and English', () => {
    expect(keysOf(ru).sort()).toEqual(keysOf(en).sort())
  })

  it('picks the browser language, then remembers an explicit choice', () => {
    expect(detectLocale(['ru-RU', 'en'])).toBe('ru')
    expect(detectLocale(['de-DE', 'fr'])).toBe('en')
    setLocale('en')
    expect(detectLocale(['ru-RU'])).toBe('en')
    expect(document.documentElement.lang).toBe('en')
  })

  it('uses Russian plural forms', () => {
    const { t } = createAppI18n('ru').global
    expect(t('live.viewers', 0)).toBe('нет зрителей')
    expect(t('live.viewers', 1)).toBe('1 зритель')
    expect(t('live.viewers', 3)).toBe('3 зрителя')
    expect(t('live.viewers', 11)).toBe('11 зрителей')
    expect(t('live.viewers', 21)).toBe('21 зритель')
  })
})
