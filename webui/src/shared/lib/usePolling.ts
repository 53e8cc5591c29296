import { onBeforeUnmount, onMounted } from 'vue'

/**
 * Calls `task` now and then every `intervalMs` while the component lives, skipping ticks
 * while the tab is hidden (no point refreshing what nobody sees) and never overlapping runs.
 */
export function usePolling(task: () => Promise<unknown> | unknown, intervalMs: number) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  async function tick() {
    if (stopped) return
    if (typeof document === 'undefined' || document.visibilityState !== 'hidden') {
      try {
        await task()
      } catch {
        // The task shows its own errors; polling just keeps going.
      }
    }
    if (!stopped) timer = setTimeout(tick, intervalMs)
  }

  onMounted(() => void tick())
  onBeforeUnmount(() => {
    stopped = true
    clearTimeout(timer)
  })
}
