// Binds the reporters to a page: the player's events in; the page going away (pagehide, or
// leaving the page inside the app) sends the last word as a beacon. A new film or stream on the
// same page gets a reporter of its own.
import { onBeforeUnmount, onMounted, watch } from 'vue'
import { historyApi } from '@/entities/history-entry'
import { LiveReporter, PositionReporter } from './reporter'

function bind<R extends { leave(): void; stop(): void }>(key: () => string, make: (key: string) => R): { current: () => R } {
  let reporter = make(key())
  watch(key, (next) => {
    reporter.stop()
    reporter = make(next)
  })
  const onPageHide = () => reporter.leave()
  onMounted(() => window.addEventListener('pagehide', onPageHide))
  onBeforeUnmount(() => {
    window.removeEventListener('pagehide', onPageHide)
    reporter.stop()
  })
  return { current: () => reporter }
}

/** A signed-in user's place in a film: call these from the player's events. */
export function usePositionReporting(itemId: () => string) {
  const bound = bind(itemId, (id) =>
    new PositionReporter({
      send: (report) => historyApi.report(id, report),
      beacon: (report) => void historyApi.beacon(id, report),
    }),
  )
  return {
    time: (position: number, duration: number) => bound.current().time(position, duration),
    play: () => bound.current().play(),
    pause: () => bound.current().pause(),
    seeked: (position: number) => bound.current().seeked(position),
    ended: () => bound.current().ended(),
    /** The entry was marked watched or unwatched: the known position is not news. */
    settle: () => bound.current().settle(),
  }
}

/** A signed-in user watching a live stream: how long, for the History page. */
export function useLiveReporting(stream: () => string) {
  const bound = bind(stream, (name) =>
    new LiveReporter({
      send: (played, sentAt) => historyApi.liveReport(name, { played_s: played, sent_at: sentAt }),
      beacon: (played, sentAt) => void historyApi.liveBeacon(name, { played_s: played, sent_at: sentAt }),
    }),
  )
  return {
    play: () => bound.current().play(),
    pause: () => bound.current().pause(),
  }
}
