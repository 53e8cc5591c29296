// How many times films and live streams were watched (plugins/history), and the one report a
// player makes per view: when it starts, and once it has played long enough to count.
import { api, ApiError } from '@/shared/api'
import type { ViewCounts } from '@/shared/api'
import { readSetting, writeSetting } from '@/shared/lib'

export type ViewKind = 'film' | 'live'
export interface ViewVerdict {
  counted: boolean
  state: 'started' | 'waiting' | 'counted' | 'already_counted' | 'address_limit'
}

const CLIENT_KEY = 'kek.views.client'

/** A random id this browser keeps, so that a guest's view is counted once per window. */
export function viewClientId(): string {
  const known = readSetting(CLIENT_KEY)
  if (known && /^[A-Za-z0-9_-]{8,64}$/.test(known)) return known
  const bytes = new Uint8Array(16)
  globalThis.crypto.getRandomValues(bytes)
  const id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  writeSetting(CLIENT_KEY, id)
  return id
}

export const viewsApi = {
  report: (kind: ViewKind, id: string, playedS: number) =>
    api.post<ViewVerdict>('/api/history/views', { kind, id, played_s: playedS, client_id: viewClientId() }, { redirectOn401: false }),
  /** Counts of the given films and streams; empty when the server keeps none (no plugin). */
  async counts(films: string[], live: string[] = [], signal?: AbortSignal): Promise<ViewCounts> {
    const params = new URLSearchParams()
    if (films.length) params.set('films', films.join(','))
    if (live.length) params.set('live', live.join(','))
    try {
      const counts = await api.get<ViewCounts>(`/api/history/views?${params}`, { signal, redirectOn401: false })
      return { films: counts?.films ?? {}, live: counts?.live ?? {} }
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 503)) return { films: {}, live: {} }
      throw err
    }
  },
}
