import { api, ApiError } from '@/shared/api'
import type { Channel, FollowAnswer, FollowedChannel } from '@/shared/api'

const base = (name: string) => `/api/channels/${encodeURIComponent(name)}`

/** A channel, or null when no account or stream has that name (404 no_such_channel). */
export async function fetchChannel(name: string, signal?: AbortSignal): Promise<Channel | null> {
  try {
    return await api.get<Channel>(base(name), { signal, redirectOn401: false })
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && err.code !== 'no_such_endpoint') return null
    throw err
  }
}

/** Whether the channels plugin answers at all (its routes are there). */
export function isChannelsMissing(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && err.code === 'no_such_endpoint'
}

export function updateMyChannel(change: { title?: string | null; category?: string | null }): Promise<Channel> {
  return api.patch<Channel>('/api/me/channel', change)
}

/** The owner's offline banner (re-encoded by the server to a 1280x320 JPEG). */
export function uploadBanner(file: Blob, onProgress?: (fraction: number) => void): Promise<{ banner_url: string | null }> {
  return api.upload<{ banner_url: string | null }>('/api/me/channel/banner', file, { onProgress })
}

export function removeBanner(): Promise<{ banner_url: string | null }> {
  return api.delete<{ banner_url: string | null }>('/api/me/channel/banner')
}

export function follow(name: string): Promise<FollowAnswer> {
  return api.post<FollowAnswer>(`${base(name)}/follow`)
}

export function unfollow(name: string): Promise<FollowAnswer> {
  return api.delete<FollowAnswer>(`${base(name)}/follow`)
}

export async function fetchFollowing(signal?: AbortSignal): Promise<FollowedChannel[]> {
  const list = await api.get<FollowedChannel[]>('/api/me/following', { signal, redirectOn401: false })
  return Array.isArray(list) ? list : []
}
