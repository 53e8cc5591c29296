// The user's watch history (plugins/history): where they stopped in each film, the History
// page's list, and what the player reports while it plays.
import { api, ApiError } from '@/shared/api'
import type { HistoryPage, HistoryPosition, HistorySettings, PositionReport } from '@/shared/api'

const base = '/api/me/history'
const itemPath = (id: string) => `${base}/${encodeURIComponent(id)}`
const livePath = (stream: string) => `${base}/live/${encodeURIComponent(stream)}`

export interface LiveReport {
  played_s: number
  sent_at: number
}

export const historyApi = {
  /** The user's place in one film; null when history cannot be kept (a guest, no plugin). */
  async position(itemId: string, signal?: AbortSignal): Promise<HistoryPosition | null> {
    try {
      return await api.get<HistoryPosition>(itemPath(itemId), { signal, redirectOn401: false })
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 404 || err.status === 503)) return null
      throw err
    }
  },
  report: (itemId: string, report: PositionReport) => api.put<{ recorded: boolean; paused?: boolean }>(itemPath(itemId), report),
  /** The same report from a page going away (navigator.sendBeacon). */
  beacon: (itemId: string, report: PositionReport) => api.beacon(itemPath(itemId), { ...report }),
  liveReport: (stream: string, report: LiveReport) => api.put<{ recorded: boolean }>(livePath(stream), report),
  liveBeacon: (stream: string, report: LiveReport) => api.beacon(livePath(stream), { ...report }),
  markWatched: (itemId: string, watched: boolean) =>
    api.put<HistoryPosition>(`${itemPath(itemId)}/watched`, { watched, sent_at: Date.now() }),
  list: (cursor: string | null, limit = 30, signal?: AbortSignal) => {
    const params = new URLSearchParams({ limit: String(limit) })
    if (cursor) params.set('cursor', cursor)
    return api.get<HistoryPage>(`${base}?${params}`, { signal, redirectOn401: false })
  },
  /** The entries of exactly these films (progress bars on the Library's cards). */
  ofItems: (ids: string[], signal?: AbortSignal) =>
    api.get<HistoryPage>(`${base}?items=${ids.map(encodeURIComponent).join(',')}`, { signal, redirectOn401: false }),
  removeFilm: (itemId: string) => api.delete<void>(itemPath(itemId)),
  removeEntry: (id: number) => api.delete<void>(`${base}/entries/${id}`),
  clear: () => api.delete<{ removed: number }>(base),
  settings: () => api.get<HistorySettings>(`${base}/settings`, { redirectOn401: false }),
  setPaused: (paused: boolean) => api.patch<HistorySettings>(`${base}/settings`, { paused }),
  exportUrl: `${base}/export`,
}
