import { api, ApiError } from '@/shared/api'
import type { NewPosterEvent, PosterEvent, PosterEventChange, PosterFeed, PosterListing } from '../model/types'
import { monthParam, viewerTimeZone } from '../model/calendar'
import type { YearMonth } from '../model/calendar'

const eventPath = (id: string) => `/api/poster/events/${encodeURIComponent(id)}`

export interface PosterQuery {
  /** A calendar month in the viewer's zone; without it, the agenda (today to the same day next month). */
  month?: YearMonth
  /** Only the caller's own events. */
  mine?: boolean
  tz?: string
}

export function posterQueryString(query: PosterQuery): string {
  const params = new URLSearchParams()
  if (query.month) params.set('month', monthParam(query.month))
  params.set('tz', query.tz ?? viewerTimeZone())
  if (query.mine) params.set('owner', 'me')
  return `?${params.toString()}`
}

export interface PosterAnswer extends PosterListing {
  /** False when the server has no poster (the schedule plugin is not loaded: 404). */
  available: boolean
}

export const posterApi = {
  async list(query: PosterQuery = {}, signal?: AbortSignal): Promise<PosterAnswer> {
    try {
      const page = await api.get<PosterListing>(`/api/poster${posterQueryString(query)}`, { signal, redirectOn401: false })
      return { ...page, available: true, events: Array.isArray(page?.events) ? page.events : [] }
    } catch (err) {
      if (err instanceof ApiError && err.status === 404)
        return { available: false, events: [], from: '', to: '', tz: '', now: new Date().toISOString() }
      throw err
    }
  },
  get: (id: string, signal?: AbortSignal) => api.get<PosterEvent>(eventPath(id), { signal, redirectOn401: false }),
  create: (event: NewPosterEvent) => api.post<PosterEvent>('/api/poster/events', event),
  update: (id: string, change: PosterEventChange) => api.patch<PosterEvent>(eventPath(id), change),
  cancel: (id: string, reason = '') => api.post<PosterEvent>(`${eventPath(id)}/cancel`, { reason }),
  remove: (id: string) => api.delete<void>(eventPath(id)),
  remind: (id: string) => api.put<unknown>(`${eventPath(id)}/reminder`),
  forget: (id: string) => api.delete<void>(`${eventPath(id)}/reminder`),
  feed: () => api.get<PosterFeed>('/api/poster/feed', { redirectOn401: false }),
  newFeed: () => api.post<PosterFeed>('/api/poster/feed'),
  removeFeed: () => api.delete<void>('/api/poster/feed'),
}
