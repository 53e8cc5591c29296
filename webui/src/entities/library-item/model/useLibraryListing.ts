// Pages of the catalogue for one set of filters: the first page, more on demand (cursor), and
// the items kept current by the server's events (progress, playable, failed, deleted). Where
// the event stream is not connected, items still being made are polled instead.
import { onBeforeUnmount, ref, shallowRef, watch } from 'vue'
import type { Ref } from 'vue'
import { libraryApi } from '../api/libraryApi'
import type { LibraryListing } from '../api/libraryApi'
import { isInProgress, withFailure, withProgress } from './item'
import { subscribeItemEvents } from './useItemEvents'
import type { LibraryItem, LibraryQuery } from '@/shared/api'
import { serverEvents } from '@/shared/api'

export const PAGE_SIZE = 24
const POLL_MS = 5000

export interface ListingDeps {
  list: (query: LibraryQuery, signal?: AbortSignal) => Promise<LibraryListing>
  get: (id: string) => Promise<LibraryItem>
  eventsConnected: () => boolean
}

const defaultDeps: ListingDeps = {
  list: libraryApi.list,
  get: (id) => libraryApi.get(id),
  eventsConnected: () => serverEvents.connected,
}

export function useLibraryListing(query: Ref<(cursor: string | null) => LibraryQuery>, deps: ListingDeps = defaultDeps) {
  const items = ref<LibraryItem[]>([])
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const loadingMore = ref(false)
  const loaded = ref(false)
  const available = ref(true)
  const error = shallowRef<unknown>(null)
  let controller: AbortController | null = null
  let generation = 0

  async function reload() {
    controller?.abort()
    controller = new AbortController()
    const mine = ++generation
    loading.value = true
    try {
      const page = await deps.list(query.value(null), controller.signal)
      if (mine !== generation) return
      items.value = page.items
      nextCursor.value = page.next_cursor
      available.value = page.available
      error.value = null
      loaded.value = true
    } catch (err) {
      if (mine !== generation || (err instanceof DOMException && err.name === 'AbortError')) return
      error.value = err
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  async function loadMore() {
    if (!nextCursor.value || loadingMore.value || loading.value) return
    const mine = generation
    loadingMore.value = true
    try {
      const page = await deps.list(query.value(nextCursor.value))
      if (mine !== generation) return
      const seen = new Set(items.value.map((i) => i.id))
      items.value = [...items.value, ...page.items.filter((i) => !seen.has(i.id))]
      nextCursor.value = page.next_cursor
      error.value = null
    } catch (err) {
      if (mine === generation) error.value = err
    } finally {
      loadingMore.value = false
    }
  }

  function replace(item: LibraryItem) {
    items.value = items.value.map((i) => (i.id === item.id ? item : i))
  }

  async function refreshItem(id: string) {
    if (!items.value.some((i) => i.id === id)) return
    try {
      replace(await deps.get(id))
    } catch {
      // Gone or no longer ours to see: the next reload says so; keep what we show.
    }
  }

  const off = subscribeItemEvents({
    onProgress: (event) => (items.value = items.value.map((i) => withProgress(i, event))),
    // Playable now: fetch it again for its playlist, poster and length.
    onReady: (event) => void refreshItem(event.id),
    onFailed: (event) => (items.value = items.value.map((i) => withFailure(i, event))),
    onDeleted: (event) => (items.value = items.value.filter((i) => i.id !== event.id)),
    onResync: () => void reload(),
  })

  const poll = setInterval(() => {
    if (deps.eventsConnected()) return
    for (const item of items.value) if (isInProgress(item)) void refreshItem(item.id)
  }, POLL_MS)

  onBeforeUnmount(() => {
    off()
    clearInterval(poll)
    controller?.abort()
    generation += 1
  })

  watch(query, () => void reload(), { immediate: true })

  return { items, nextCursor, loading, loadingMore, loaded, available, error, reload, loadMore, refreshItem }
}
