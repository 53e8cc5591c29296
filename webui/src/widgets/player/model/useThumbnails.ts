// Loads a thumbnail VTT for the seek bar once its address is known; its pictures load on demand.
import { ref, shallowRef, watch } from 'vue'
import type { Ref } from 'vue'
import { cueAt, parseThumbnailVtt } from './thumbnails'
import type { ThumbnailCue } from './thumbnails'

export function useThumbnails(url: Ref<string | null | undefined>, fetchImpl: typeof fetch = (...a) => globalThis.fetch(...a)) {
  const cues = shallowRef<ThumbnailCue[]>([])
  const failed = ref(false)
  let generation = 0

  watch(
    url,
    async (address) => {
      const mine = ++generation
      cues.value = []
      failed.value = false
      if (!address) return
      try {
        const response = await fetchImpl(address, { credentials: 'same-origin' })
        if (!response.ok) throw new Error(`HTTP ${response.status}`)
        const text = await response.text()
        if (mine === generation) cues.value = parseThumbnailVtt(text, address)
      } catch {
        // No previews is fine: seeking works without them.
        if (mine === generation) failed.value = true
      }
    },
    { immediate: true },
  )

  return { cues, failed, at: (time: number) => cueAt(cues.value, time) }
}
