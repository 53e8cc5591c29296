// What the History page and the cards say about an entry: grouped by day in the reader's time
// zone, how much is left, how long a live stream was watched.
import type { FilmHistoryEntry, HistoryEntry } from '@/shared/api'

export interface DayGroup {
  /** yyyy-mm-dd in the time zone the days are counted in. */
  key: string
  /** "today" | "yesterday" | null (then `date` is shown). */
  relative: 'today' | 'yesterday' | null
  /** Noon of that day, for formatting its date. */
  date: Date
  entries: HistoryEntry[]
}

/** The calendar day of an instant in a time zone, as yyyy-mm-dd. */
export function dayKey(instant: Date, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00'
  return `${get('year')}-${get('month')}-${get('day')}`
}

function previousDay(key: string): string {
  const [y, m, d] = key.split('-').map(Number) as [number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d - 1, 12))
  return date.toISOString().slice(0, 10)
}

/** Newest first as the server sends them, grouped by day (the user's time zone by default). */
export function groupByDay(entries: HistoryEntry[], now = new Date(), timeZone?: string): DayGroup[] {
  const today = dayKey(now, timeZone)
  const yesterday = previousDay(today)
  const groups: DayGroup[] = []
  for (const entry of entries) {
    const when = new Date(entry.updated_at)
    const key = Number.isNaN(when.getTime()) ? 'unknown' : dayKey(when, timeZone)
    let group = groups[groups.length - 1]
    if (!group || group.key !== key) {
      const [y, m, d] = key.split('-').map(Number) as [number, number, number]
      group = {
        key,
        relative: key === today ? 'today' : key === yesterday ? 'yesterday' : null,
        date: new Date(Date.UTC(y, (m || 1) - 1, d || 1, 12)),
        entries: [],
      }
      groups.push(group)
    }
    group.entries.push(entry)
  }
  return groups
}

/** Percent watched, 0-100 (a watched film is full). */
export function watchedPercent(entry: Pick<FilmHistoryEntry, 'progress' | 'watched' | 'in_progress'>): number {
  if (entry.watched && !entry.in_progress) return 100
  return Math.round(Math.min(1, Math.max(0, entry.progress || 0)) * 100)
}

/** Seconds left to watch, rounded up to whole minutes above one minute ("37 min left"). */
export function secondsLeft(entry: Pick<FilmHistoryEntry, 'remaining_s'>): number {
  const s = Math.max(0, entry.remaining_s || 0)
  return s >= 60 ? Math.ceil(s / 60) * 60 : Math.ceil(s)
}

/** Entries worth a row in Continue watching: started, not finished, newest first. */
export function continueWatching(entries: HistoryEntry[]): FilmHistoryEntry[] {
  return entries.filter((e): e is FilmHistoryEntry => e.kind === 'film' && e.in_progress && e.title !== null)
}
