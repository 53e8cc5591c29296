// The History page's list: pages by cursor (newest first), one request at a time, a removed
// entry gone at once, and what the server says about this user (paused, no account, no plugin).
import { ref, shallowRef } from 'vue'
import { historyApi } from '@/entities/history-entry'
import { ApiError } from '@/shared/api'
import type { HistoryEntry, HistoryPage } from '@/shared/api'

export const FEED_PAGE_SIZE = 30

export interface FeedDeps {
  list: (cursor: string | null, limit: number) => Promise<HistoryPage>
}

export function useHistoryFeed(deps: FeedDeps = { list: (c, l) => historyApi.list(c, l) }) {
  const entries = shallowRef<HistoryEntry[]>([])
  const nextCursor = ref<string | null>(null)
  const paused = ref(false)
  const loading = ref(false)
  const loadingMore = ref(false)
  const loaded = ref(false)
  const error = shallowRef<unknown>(null)
  /** 401: a guest (history needs an account). */
  const needsAccount = ref(false)
  /** 404: this server keeps no history (the plugin is not loaded). */
  const unavailable = ref(false)
  let generation = 0

  async function reload() {
    const mine = ++generation
    loading.value = true
    error.value = null
    try {
      const page = await deps.list(null, FEED_PAGE_SIZE)
      if (mine !== generation) return
      entries.value = page.entries ?? []
      nextCursor.value = page.next_cursor ?? null
      paused.value = Boolean(page.paused)
      needsAccount.value = false
      unavailable.value = false
    } catch (err) {
      if (mine !== generation) return
      entries.value = []
      nextCursor.value = null
      if (err instanceof ApiError && err.status === 401) needsAccount.value = true
      else if (err instanceof ApiError && err.status === 404) unavailable.value = true
      else error.value = err
    } finally {
      if (mine === generation) {
        loading.value = false
        loaded.value = true
      }
    }
  }

  async function loadMore() {
    if (!nextCursor.value || loadingMore.value || loading.value) return
    const mine = generation
    loadingMore.value = true
    error.value = null
    try {
      const page = await deps.list(nextCursor.value, FEED_PAGE_SIZE)
      if (mine !== generation) return
      const known = new Set(entries.value.map((e) => e.id))
      entries.value = [...entries.value, ...(page.entries ?? []).filter((e) => !known.has(e.id))]
      nextCursor.value = page.next_cursor ?? null
    } catch (err) {
      if (mine === generation) error.value = err
    } finally {
      loadingMore.value = false
    }
  }

  function removed(id: number) {
    entries.value = entries.value.filter((e) => e.id !== id)
  }

  function cleared() {
    generation++
    entries.value = []
    nextCursor.value = null
  }

  return { entries, nextCursor, paused, loading, loadingMore, loaded, error, needsAccount, unavailable, reload, loadMore, removed, cleared }
}
