import { describe, expect, it } from 'vitest'
import { formatBytes, formatDuration, formatEta, formatSpeed, percent } from './format'

describe('formatting for the library', () => {
  it('prints a film length the way catalogues do, in both languages', () => {
    expect(formatDuration(5820, 'en')).toBe('1h 37m')
    expect(formatDuration(7200, 'en')).toBe('2h')
    expect(formatDuration(7190, 'en')).toBe('2h')
    expect(formatDuration(754, 'en')).toBe('13m')
    expect(formatDuration(42, 'en')).toBe('42s')
    expect(formatDuration(5820, 'ru')).toBe('1 ч 37 мин')
    expect(formatDuration(null, 'en')).toBe('')
    expect(formatDuration(Number.NaN, 'en')).toBe('')
  })

  it('prints sizes and speeds in decimal units', () => {
    expect(formatBytes(0, 'en')).toBe('0 byte')
    expect(formatBytes(1_234_567, 'en')).toBe('1.2 MB')
    expect(formatBytes(123_456_789, 'en')).toBe('123 MB')
    expect(formatBytes(4_500_000_000, 'ru')).toBe('4,5 ГБ')
    expect(formatSpeed(2_500_000, 'en')).toBe('2.5 MB/s')
    expect(formatSpeed(0, 'en')).toBe('')
  })

  it('prints the time left coarsely', () => {
    expect(formatEta(44.2, 'en')).toBe('45s')
    expect(formatEta(200, 'en')).toBe('3m 20s')
    expect(formatEta(180, 'en')).toBe('3m')
    expect(formatEta(3900, 'en')).toBe('1h 5m')
    expect(formatEta(null, 'en')).toBe('')
    expect(percent(43.9)).toBe(43)
    expect(percent(140)).toBe(100)
    expect(percent(undefined)).toBe(0)
  })
})
