// What the channel page says of its next event's time: a ticking clock in its last day, "in 3
// days" before that, and the poster's word once it has started (waiting, live).
import type { ChannelPosterEntry } from '@/shared/api'
import { countdownClock, startsIn } from '@/entities/poster-event'

export type NextLine =
  | { kind: 'countdown'; clock: string }
  | { kind: 'relative'; text: string }
  | { kind: 'status'; status: 'waiting' | 'live' | 'starting' }

const DAY_MS = 86_400_000

export function nextLine(entry: ChannelPosterEntry, locale: string, now = Date.now()): NextLine {
  if (entry.status === 'waiting' || entry.status === 'live') return { kind: 'status', status: entry.status }
  const start = Date.parse(entry.starts_at)
  if (Number.isNaN(start) || start <= now) return { kind: 'status', status: 'starting' }
  if (start - now < DAY_MS) return { kind: 'countdown', clock: countdownClock((start - now) / 1000) }
  return { kind: 'relative', text: startsIn(entry.starts_at, locale, now) }
}

/** "Sat, 5 Dec, 19:30" in the viewer's zone and language. */
export function localStart(iso: string, locale: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return d.toLocaleString(locale, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' })
}
