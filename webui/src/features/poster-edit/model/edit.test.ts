import { afterEach, describe, expect, it } from 'vitest'
import type { PosterEvent } from '@/entities/poster-event'
import { changeOf, editDraftOf } from './edit'

const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env
const savedTz = env.TZ
afterEach(() => {
  env.TZ = savedTz
})

const event = {
  id: 'e1',
  kind: 'live',
  title: 'Night concert',
  description: 'Bring friends',
  starts_at: '2026-12-24T16:30:00Z',
  duration_s: 3600,
  visibility: 'public',
} as PosterEvent

describe('the edit form', () => {
  it('shows the start in the viewer’s zone and sends nothing when nothing changed', () => {
    env.TZ = 'Europe/Moscow'
    const d = editDraftOf(event)
    expect(d.startsLocal).toBe('2026-12-24T19:30')
    expect(d.durationMin).toBe(60)
    expect(changeOf(event, d)).toEqual({})
    env.TZ = 'America/New_York'
    expect(editDraftOf(event).startsLocal).toBe('2026-12-24T11:30')
  })

  it('sends only what changed, the new local time as UTC', () => {
    env.TZ = 'America/New_York'
    const d = { ...editDraftOf(event), title: ' Night concert, moved ', startsLocal: '2026-12-25T20:00', visibility: 'private' as const }
    expect(changeOf(event, d)).toEqual({ title: 'Night concert, moved', starts_at: '2026-12-26T01:00:00Z', visibility: 'private' })
    expect(changeOf(event, { ...d, startsLocal: 'soon' })).toBeNull()
    expect(changeOf(event, { ...editDraftOf(event), durationMin: 90 })).toEqual({ duration_s: 5400 })
    // A premiere lasts as long as its film: its length is never sent.
    expect(changeOf({ ...event, kind: 'premiere' }, { ...editDraftOf(event), durationMin: 90 })).toEqual({})
  })
})
