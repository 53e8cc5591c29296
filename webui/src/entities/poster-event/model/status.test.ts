import { describe, expect, it } from 'vitest'
import { filmPage, isOver } from './status'
import type { PosterEvent } from './types'

const now = Date.parse('2026-12-10T12:00:00Z')
const event = (over: Partial<PosterEvent>) =>
  ({ id: 'e', kind: 'premiere', status: 'upcoming', starts_at: '2026-12-10T10:00:00Z', ends_at: '2026-12-10T11:00:00Z', item: null, ...over }) as PosterEvent

describe('past events on the agenda', () => {
  it('drop off once over, and stay while live or to come', () => {
    expect(isOver(event({ status: 'ended' }), now)).toBe(true)
    expect(isOver(event({ kind: 'live', status: 'missed', ends_at: '2026-12-10T13:00:00Z' }), now)).toBe(true)
    expect(isOver(event({ status: 'live' }), now)).toBe(false) // a late-running premiere still plays
    expect(isOver(event({ status: 'upcoming', starts_at: '2026-12-11T10:00:00Z', ends_at: '2026-12-11T11:00:00Z' }), now)).toBe(false)
  })

  it('a cancelled one stays, marked, until its time passes', () => {
    expect(isOver(event({ status: 'cancelled', cancelled: true, ends_at: '2026-12-10T13:00:00Z' }), now)).toBe(false)
    expect(isOver(event({ status: 'cancelled', cancelled: true }), now)).toBe(true)
  })

  it('a past premiere links to its film when the viewer may watch it; a live event to none', () => {
    expect(filmPage(event({ status: 'ended', item: { id: 'f', title: 'Dawn', page: '/library/f', hls: null, available: true } }))).toBe('/library/f')
    expect(filmPage(event({ status: 'ended', item: { id: 'f', title: null, page: null, hls: null, available: true } }))).toBeNull()
    expect(filmPage(event({ kind: 'live', status: 'ended' }))).toBeNull()
  })
})
