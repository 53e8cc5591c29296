import { api, ApiError } from '@/shared/api'
import type { LibraryItem, LibraryItemChange, LibraryPage, LibraryQuery, LibrarySubtitleTrack } from '@/shared/api'

const base = '/api/library/items'
const itemPath = (id: string) => `${base}/${encodeURIComponent(id)}`

/** The list query as the server reads it: empty values are left out. */
export function listQueryString(query: LibraryQuery): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

export interface LibraryListing extends LibraryPage {
  /** False when the server has no library (the plugin is not loaded: 404). */
  available: boolean
}

export const libraryApi = {
  async list(query: LibraryQuery = {}, signal?: AbortSignal): Promise<LibraryListing> {
    try {
      const page = await api.get<LibraryPage>(`${base}${listQueryString(query)}`, { signal, redirectOn401: false })
      return { available: true, items: Array.isArray(page?.items) ? page.items : [], next_cursor: page?.next_cursor ?? null }
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return { available: false, items: [], next_cursor: null }
      throw err
    }
  },
  get: (id: string, signal?: AbortSignal) => api.get<LibraryItem>(itemPath(id), { signal, redirectOn401: false }),
  update: (id: string, change: LibraryItemChange) => api.patch<LibraryItem>(itemPath(id), change),
  remove: (id: string) => api.delete<void>(itemPath(id)),
  uploadPoster: (id: string, file: Blob, onProgress?: (fraction: number) => void) =>
    api.upload<LibraryItem>(`${itemPath(id)}/poster`, file, { onProgress }),
  uploadSubtitles: (id: string, file: Blob, language: string, label: string) =>
    api.upload<LibrarySubtitleTrack>(`${itemPath(id)}/subtitles${listQueryString({ lang: language, label } as LibraryQuery)}`, file),
  retry: (id: string) => api.post<LibraryItem>(`${itemPath(id)}/retry`),
  cancel: (id: string) => api.post<LibraryItem>(`${itemPath(id)}/cancel`),
}
