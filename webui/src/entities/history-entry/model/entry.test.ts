import { describe, expect, it } from 'vitest'
import type { FilmHistoryEntry, HistoryEntry } from '@/shared/api'
import { continueWatching, dayKey, groupByDay, secondsLeft, watchedPercent } from './entry'

const film = (over: Partial<FilmHistoryEntry>): FilmHistoryEntry => ({
  id: 1,
  kind: 'film',
  item_id: 'a',
  title: 'A',
  poster: null,
  position_s: 600,
  duration_s: 2820,
  remaining_s: 2220,
  progress: 0.21,
  watched: false,
  resume_s: 600,
  in_progress: true,
  sent_at: 0,
  started_at: '2025-06-15T10:00:00.000Z',
  updated_at: '2025-06-15T10:00:00.000Z',
  ...over,
})

describe('history entries', () => {
  it('groups by day in the reader time zone, with today and yesterday named', () => {
    const now = new Date('2025-06-15T12:00:00Z')
    const entries: HistoryEntry[] = [
      film({ id: 3, updated_at: '2025-06-15T09:00:00.000Z' }),
      // 22:30 UTC on the 14th is already the 15th in Moscow, still the 14th in Los Angeles.
      film({ id: 2, updated_at: '2025-06-14T22:30:00.000Z' }),
      { id: 1, kind: 'live', stream: 'cam', app: 'live', owner: 'anna', watched_s: 600, started_at: '2025-06-10T18:00:00.000Z', updated_at: '2025-06-10T18:10:00.000Z' },
    ]
    const moscow = groupByDay(entries, now, 'Europe/Moscow')
    expect(moscow.map((g) => [g.key, g.relative, g.entries.map((e) => e.id)])).toEqual([
      ['2025-06-15', 'today', [3, 2]],
      ['2025-06-10', null, [1]],
    ])
    const la = groupByDay(entries, now, 'America/Los_Angeles')
    expect(la.map((g) => [g.key, g.relative])).toEqual([
      ['2025-06-15', 'today'],
      ['2025-06-14', 'yesterday'],
      ['2025-06-10', null],
    ])
    expect(dayKey(new Date('2025-12-31T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-01-01')
  })

  it('says how much is left in whole minutes, and how far along', () => {
    expect(secondsLeft({ remaining_s: 2220 })).toBe(37 * 60) // "37 min left"
    expect(secondsLeft({ remaining_s: 2161 })).toBe(37 * 60)
    expect(secondsLeft({ remaining_s: 42.2 })).toBe(43)
    expect(watchedPercent({ progress: 0.213, watched: false, in_progress: true })).toBe(21)
    expect(watchedPercent({ progress: 0.96, watched: true, in_progress: false })).toBe(100)
  })

  it('continues only films started and not finished that are still there', () => {
    const list: HistoryEntry[] = [
      film({ id: 1, item_id: 'a' }),
      film({ id: 2, item_id: 'b', in_progress: false, watched: true }),
      film({ id: 3, item_id: 'c', title: null }),
      film({ id: 4, item_id: 'd' }),
    ]
    expect(continueWatching(list).map((e) => e.item_id)).toEqual(['a', 'd'])
  })
})
