// Live updates about library items from /api/events: progress, playable, failed, deleted.
// The handlers get every event the server lets this browser see; they pick the items they show.
// After a reconnect (events were missed) `onResync` lets the page reload what it shows.
import { onBeforeUnmount } from 'vue'
import { serverEvents } from '@/shared/api'
import type { EventStream, LibraryFailedEvent, LibraryProgressEvent, LibraryReadyEvent } from '@/shared/api'

export interface ItemEventHandlers {
  onProgress?: (event: LibraryProgressEvent) => void
  onReady?: (event: LibraryReadyEvent) => void
  onFailed?: (event: LibraryFailedEvent) => void
  onDeleted?: (event: { id: string }) => void
  onResync?: () => void
}

function hasId(data: unknown): data is { id: string } {
  return typeof data === 'object' && data !== null && typeof (data as { id?: unknown }).id === 'string'
}

/** Subscribes now; returns the function that unsubscribes (also called when the component goes). */
export function subscribeItemEvents(handlers: ItemEventHandlers, stream: EventStream = serverEvents): () => void {
  const offs: Array<() => void> = []
  const on = <T>(type: string, fn: ((event: T) => void) | undefined) => {
    if (fn) offs.push(stream.subscribe(type, (data) => hasId(data) && fn(data as T)))
  }
  on('library.progress', handlers.onProgress)
  on('library.ready', handlers.onReady)
  on('library.failed', handlers.onFailed)
  on('library.deleted', handlers.onDeleted)
  if (handlers.onResync) offs.push(stream.onReconnect(handlers.onResync))
  return () => offs.splice(0).forEach((off) => off())
}

export function useItemEvents(handlers: ItemEventHandlers, stream?: EventStream): void {
  const off = subscribeItemEvents(handlers, stream)
  onBeforeUnmount(off)
}
