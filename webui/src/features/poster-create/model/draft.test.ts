import { afterEach, describe, expect, it } from 'vitest'
import { draftToRequest, emptyDraft, localInputToIso } from './draft'

// (Node's process, untyped here: the app's tsconfig has no Node types.)
const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env
const savedTz = env.TZ
afterEach(() => {
  env.TZ = savedTz
})

describe('the create form', () => {
  it('sends the local wall time the viewer typed as UTC, DST-correctly', () => {
    env.TZ = 'Europe/Moscow'
    expect(localInputToIso('2026-12-24T19:30')).toBe('2026-12-24T16:30:00Z')
    env.TZ = 'America/New_York'
    expect(localInputToIso('2026-12-24T19:30')).toBe('2026-12-25T00:30:00Z') // EST, UTC-5
    expect(localInputToIso('2026-07-04T19:30')).toBe('2026-07-04T23:30:00Z') // EDT, UTC-4
    expect(localInputToIso('tomorrow')).toBeNull()
  })

  it('asks for a premiere or a live event as the API takes them', () => {
    env.TZ = 'UTC'
    const d = { ...emptyDraft(new Date('2026-12-01T10:07:00Z')), itemId: 'abc', title: '  Solaris ' }
    expect(d.startsLocal).toBe('2026-12-01T11:15')
    expect(draftToRequest(d)).toEqual({ kind: 'premiere', starts_at: '2026-12-01T11:15:00Z', title: 'Solaris', item_id: 'abc' })
    const live = { ...d, kind: 'live' as const, streamKeyId: '7', durationMin: 90, visibility: 'private' as const }
    expect(draftToRequest(live)).toEqual({
      kind: 'live',
      starts_at: '2026-12-01T11:15:00Z',
      title: 'Solaris',
      visibility: 'private',
      stream_key_id: 7,
      duration_s: 5400,
    })
  })
})
