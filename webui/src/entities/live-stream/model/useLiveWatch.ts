// Feeds the watch page's state machine: /api/live every 3 s (viewer counts follow within 5 s,
// the end of a stream shows within seconds), the channel lookup once per name, the player's
// picture. The page reads `state` and `view` only.
import { computed, ref, watch } from 'vue'
import type { Ref } from 'vue'
import type { LiveStream } from '@/shared/api'
import { usePolling } from '@/shared/lib'
import { fetchLiveStreams } from '../api/liveApi'
import { initialWatchState, nextWatchState, viewOf } from './watchState'
import type { WatchState } from './watchState'

const POLL_MS = 3000

export function useLiveWatch(
  stream: Ref<string>,
  hasPicture: Ref<boolean>,
  exists: (name: string) => Promise<boolean | null>,
  /** Streams that are not in /api/live but play (the core's demo pipeline): their listing. */
  fallback: (name: string) => { state: string; since: string } | null = () => null,
) {
  const info = ref<LiveStream | null>(null)
  const listingLoaded = ref(false)
  const liveAvailable = ref(true)
  const known = ref<boolean | null>(null)
  const state = ref<WatchState>(initialWatchState)

  function step() {
    state.value = nextWatchState(state.value, {
      listingLoaded: listingLoaded.value,
      listed: info.value ? { state: info.value.state ?? 'live', since: info.value.since } : fallback(stream.value),
      exists: known.value,
      hasPicture: hasPicture.value,
    })
  }

  async function refresh() {
    const listing = await fetchLiveStreams()
    liveAvailable.value = listing.available
    info.value = listing.streams.find((s) => s.stream === stream.value) ?? null
    listingLoaded.value = true
    // The name is asked about only while it is not live (a live stream exists).
    if (!info.value && !fallback(stream.value) && known.value === null) known.value = await exists(stream.value).catch(() => null)
    step()
  }

  usePolling(refresh, POLL_MS)
  watch(hasPicture, step)
  watch(stream, () => {
    info.value = null
    listingLoaded.value = false
    known.value = null
    state.value = initialWatchState
    void refresh().catch(() => undefined)
  })

  const view = computed(() => viewOf(state.value))
  return { info, state, view, liveAvailable, refresh }
}
