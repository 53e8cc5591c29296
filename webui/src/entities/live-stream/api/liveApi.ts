import { api, ApiError } from '@/shared/api'
import type { LiveStream } from '@/shared/api'

export interface LiveListing {
  /** False when the server has no live ingest yet (GET /api/live is 404). */
  available: boolean
  streams: LiveStream[]
}

export async function fetchLiveStreams(signal?: AbortSignal): Promise<LiveListing> {
  try {
    const streams = await api.get<LiveStream[]>('/api/live', { signal })
    return { available: true, streams: Array.isArray(streams) ? streams : [] }
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { available: false, streams: [] }
    throw err
  }
}

/** Where a stream's HLS playlist lives, for streams we know only by name (e.g. the demo pipeline). */
export function playlistUrl(stream: string): string {
  return `/media/live/${encodeURIComponent(stream)}/index.m3u8`
}
