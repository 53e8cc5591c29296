import { describe, expect, it } from 'vitest'
import { ApiError } from '@/shared/api'
import type { HistoryEntry, HistoryPage } from '@/shared/api'
import { useHistoryFeed } from './useHistoryFeed'

const live = (id: number): HistoryEntry => ({ id, kind: 'live', stream: `s${id}`, app: 'live', owner: 'o', watched_s: 1, started_at: '', updated_at: '' })

describe('useHistoryFeed', () => {
  it('pages by cursor and drops an entry seen twice', async () => {
    const pages: Record<string, HistoryPage> = {
      first: { entries: [live(5), live(4)], next_cursor: 'c1', paused: true },
      c1: { entries: [live(4), live(3)], next_cursor: null, paused: true },
    }
    const asked: (string | null)[] = []
    const feed = useHistoryFeed({ list: async (cursor) => (asked.push(cursor), pages[cursor ?? 'first']!) })
    await feed.reload()
    expect(feed.paused.value).toBe(true)
    await feed.loadMore()
    expect(feed.entries.value.map((e) => e.id)).toEqual([5, 4, 3])
    expect(feed.nextCursor.value).toBeNull()
    await feed.loadMore()
    expect(asked).toEqual([null, 'c1'])
    feed.removed(4)
    expect(feed.entries.value.map((e) => e.id)).toEqual([5, 3])
    feed.cleared()
    expect(feed.entries.value).toEqual([])
  })

  it('knows a guest from a server without history', async () => {
    const guest = useHistoryFeed({ list: async () => Promise.reject(new ApiError(401, 'sign in', '/api/me/history', true)) })
    await guest.reload()
    expect(guest.needsAccount.value).toBe(true)
    const none = useHistoryFeed({ list: async () => Promise.reject(new ApiError(404, 'no such endpoint', '/api/me/history', true)) })
    await none.reload()
    expect(none.unavailable.value).toBe(true)
    expect(none.error.value).toBeNull()
  })
})
