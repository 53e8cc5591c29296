import { onBeforeUnmount, watch } from 'vue'
import { viewsApi } from '@/entities/view-count'
import type { ViewKind } from '@/entities/view-count'
import { ViewReporter } from './viewReporter'

/** Counts this page's view of a film or a stream: call play/pause from the player. */
export function useViewCounting(kind: ViewKind, id: () => string) {
  const make = (key: string) => new ViewReporter({ report: (played) => viewsApi.report(kind, key, played) })
  let reporter = make(id())
  watch(id, (next) => {
    reporter.stop()
    reporter = make(next)
  })
  onBeforeUnmount(() => reporter.stop())
  return { play: () => reporter.play(), pause: () => reporter.pause() }
}
