import { afterEach, describe, expect, it } from 'vitest'
import { addMonths, countdownClock, dayKey, groupByDay, monthGrid, parseMonthParam, startsIn, weekStartOf } from './calendar'

// Node reads TZ at every Date operation: each test lives in the zone it names.
// (Node's process, untyped here: the app's tsconfig has no Node types.)
const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env
const savedTz = env.TZ
afterEach(() => {
  env.TZ = savedTz
})

describe('the poster calendar in the viewer zone', () => {
  it('puts one UTC start on the day it is where the viewer lives', () => {
    const start = '2026-12-01T22:30:00Z'
    env.TZ = 'Europe/Moscow'
    expect(dayKey(new Date(start))).toBe('2026-12-02')
    env.TZ = 'America/New_York'
    expect(dayKey(new Date(start))).toBe('2026-12-01')
  })

  it('groups events by local day in time order', () => {
    env.TZ = 'America/New_York'
    const events = [
      { id: 'c', starts_at: '2026-12-03T15:00:00Z' },
      { id: 'a', starts_at: '2026-12-02T03:00:00Z' }, // Dec 1, 22:00 in New York
      { id: 'b', starts_at: '2026-12-01T14:00:00Z' },
    ]
    const groups = groupByDay(events)
    expect(groups.map((g) => g.key)).toEqual(['2026-12-01', '2026-12-03'])
    expect(groups[0]!.items.map((e) => e.id)).toEqual(['b', 'a'])
  })

  it('draws a month as whole weeks, also across a DST change', () => {
    env.TZ = 'America/New_York' // DST ends on 2026-11-01
    const weeks = monthGrid({ year: 2026, month: 11 }, 0)
    expect(weeks[0]![0]!.key).toBe('2026-11-01') // November 2026 begins on a Sunday
    const days = weeks.flat().filter((d) => d.inMonth)
    expect(days.map((d) => d.day)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    expect(new Set(weeks.flat().map((d) => d.key)).size).toBe(weeks.length * 7)
    env.TZ = 'Europe/Berlin' // DST begins on 2026-03-29
    const march = monthGrid({ year: 2026, month: 3 }, 1)
    expect(march[0]![0]!.key).toBe('2026-02-23')
    expect(march.flat().filter((d) => d.inMonth).length).toBe(31)
    expect(march.at(-1)!.at(-1)!.key).toBe('2026-04-05')
  })

  it('steps months over year ends and reads month parameters', () => {
    expect(addMonths({ year: 2026, month: 12 }, 1)).toEqual({ year: 2027, month: 1 })
    expect(addMonths({ year: 2026, month: 1 }, -1)).toEqual({ year: 2025, month: 12 })
    expect(parseMonthParam('2026-02')).toEqual({ year: 2026, month: 2 })
    expect(parseMonthParam('2026-13')).toBeNull()
    expect(parseMonthParam(undefined)).toBeNull()
    expect(weekStartOf('ru')).toBe(1)
    expect(weekStartOf('en')).toBe(0)
  })

  it('says when it starts as people do, by calendar days', () => {
    env.TZ = 'Europe/Moscow'
    const now = Date.parse('2026-12-01T20:00:00Z') // 23:00 in Moscow
    expect(startsIn('2026-12-04T09:00:00Z', 'en', now)).toBe('in 3 days')
    expect(startsIn('2026-12-01T22:30:00Z', 'en', now)).toBe('in 3 hours')
    expect(startsIn('2026-12-02T19:00:00Z', 'ru', now)).toBe('через 23 часа')
    expect(startsIn('2026-12-02T21:30:00Z', 'ru', now)).toBe('послезавтра') // Dec 3, 00:30 in Moscow
    expect(startsIn('2026-12-01T19:00:00Z', 'en', now)).toBe('')
    expect(countdownClock(3725)).toBe('01:02:05')
    expect(countdownClock(90061)).toBe('1:01:01:01')
  })
})

describe('the poster words', () => {
  it('are in the app catalogues, in both languages', async () => {
    const en = (await import('@/shared/i18n/messages/en')).default
    const ru = (await import('@/shared/i18n/messages/ru')).default
    expect(en.posterPage.title).toBe('Poster')
    expect(ru.posterPage.title).toBe('Афиша')
    expect(ru.posterPage.status.live).toBe('В эфире')
  })
})
