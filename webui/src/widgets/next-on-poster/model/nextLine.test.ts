import { describe, expect, it } from 'vitest'
import type { ChannelPosterEntry } from '@/shared/api'
import { localStart, nextLine } from './nextLine'

const now = Date.parse('2026-12-01T12:00:00Z')
const entry = (starts_at: string, status: ChannelPosterEntry['status'] = 'upcoming'): ChannelPosterEntry => ({
  id: 'e1',
  kind: 'live',
  title: 'Grand final',
  starts_at,
  ends_at: starts_at,
  status,
  page: '/poster/e1',
  poster: null,
})

describe('nextLine', () => {
  it('ticks a clock in the last day', () => {
    expect(nextLine(entry('2026-12-01T13:02:03Z'), 'en', now)).toEqual({ kind: 'countdown', clock: '01:02:03' })
  })
  it('says how many days before that, in the viewer’s language', () => {
    expect(nextLine(entry('2026-12-04T12:00:00Z'), 'en', now)).toEqual({ kind: 'relative', text: 'in 3 days' })
    expect(nextLine(entry('2026-12-04T12:00:00Z'), 'ru', now)).toEqual({ kind: 'relative', text: 'через 3 дня' })
  })
  it('takes the server’s word once it has started', () => {
    expect(nextLine(entry('2026-12-01T11:00:00Z', 'waiting'), 'en', now)).toEqual({ kind: 'status', status: 'waiting' })
    expect(nextLine(entry('2026-12-01T11:00:00Z', 'live'), 'en', now)).toEqual({ kind: 'status', status: 'live' })
    expect(nextLine(entry('2026-12-01T11:59:59Z'), 'en', now)).toEqual({ kind: 'status', status: 'starting' })
  })
})

describe('localStart', () => {
  it('is the start in the viewer’s zone', () => {
    const text = localStart('2026-12-05T16:30:00Z', 'en')
    const d = new Date('2026-12-05T16:30:00Z')
    expect(text).toContain(String(d.getDate()))
    expect(text).toContain(d.toLocaleTimeString('en', { hour: 'numeric', minute: '2-digit' }))
    expect(localStart('not a time', 'en')).toBe('')
  })
})
