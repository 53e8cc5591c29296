import type { PosterEvent } from './types'

/** Past events drop off the agenda: over, and not playing any more. */
export function isOver(event: PosterEvent, now = Date.now()): boolean {
  if (event.status === 'live') return false
  const end = Date.parse(event.ends_at)
  return event.status === 'ended' || event.status === 'missed' || (!Number.isNaN(end) && end <= now)
}

/** The film a past premiere links to (when the viewer may watch it). */
export function filmPage(event: PosterEvent): string | null {
  return event.kind === 'premiere' ? (event.item?.page ?? null) : null
}

/** Local time of its start, "19:30" / "7:30 PM". */
export function localTime(iso: string, locale: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return d.toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' })
}

/** "Tuesday, December 1", the heading of an agenda day. */
export function dayHeading(date: Date, locale: string): string {
  return date.toLocaleDateString(locale, { weekday: 'long', month: 'long', day: 'numeric' })
}
