// What the UI derives from an item: can it play, is it still being made, and how events change it.
import type { LibraryFailedEvent, LibraryItem, LibraryProgressEvent } from '@/shared/api'

/** It plays as soon as the master playlist exists, long before the job ends. */
export function isPlayable(item: Pick<LibraryItem, 'hls' | 'dash' | 'status'>): boolean {
  return item.status !== 'failed' && Boolean(item.hls || item.dash)
}

export function isInProgress(item: Pick<LibraryItem, 'status'>): boolean {
  return item.status === 'queued' || item.status === 'processing'
}

/** The item after a `library.progress` event about it (other items are returned as they are). */
export function withProgress(item: LibraryItem, event: LibraryProgressEvent): LibraryItem {
  if (event.id !== item.id) return item
  return { ...item, status: event.status ?? item.status, progress: event.progress ?? item.progress, eta_s: event.eta_s ?? null }
}

export function withFailure(item: LibraryItem, event: LibraryFailedEvent): LibraryItem {
  if (event.id !== item.id) return item
  return { ...item, status: 'failed', error: event.error ?? item.error, eta_s: null }
}

/** "2004 · Drama, Crime": the line under a title. */
export function yearAndGenres(item: Pick<LibraryItem, 'year' | 'genres'>): string {
  return [item.year ? String(item.year) : '', (item.genres ?? []).join(', ')].filter(Boolean).join(' · ')
}

/** The owner's name as people see it. */
export function ownerName(item: Pick<LibraryItem, 'owner'>): string {
  return item.owner?.display_name || item.owner?.username || ''
}
