// The create form's values and what the API takes from them. A datetime-local input gives the
// viewer's local wall time; the Date of it is their zone's, sent as UTC ISO-8601.
import { localInputToIso, toLocalInput } from '@/entities/poster-event'

export { localInputToIso, toLocalInput }

export interface EventDraft {
  kind: 'premiere' | 'live'
  itemId: string
  streamKeyId: string
  title: string
  description: string
  /** "2026-12-24T19:30" as the input holds it, local. */
  startsLocal: string
  durationMin: number
  visibility: '' | 'public' | 'unlisted' | 'private'
}

export function emptyDraft(now = new Date()): EventDraft {
  // An hour from now on the next quarter hour: a sensible first guess, never in the past.
  const start = new Date(now.getTime() + 60 * 60_000)
  start.setMinutes(Math.ceil(start.getMinutes() / 15) * 15, 0, 0)
  return { kind: 'premiere', itemId: '', streamKeyId: '', title: '', description: '', startsLocal: toLocalInput(start), durationMin: 60, visibility: '' }
}

export function draftToRequest(d: EventDraft) {
  const starts_at = localInputToIso(d.startsLocal) ?? ''
  const base = {
    kind: d.kind,
    starts_at,
    ...(d.title.trim() ? { title: d.title.trim() } : {}),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    ...(d.visibility ? { visibility: d.visibility } : {}),
  }
  if (d.kind === 'premiere') return { ...base, item_id: d.itemId }
  return { ...base, stream_key_id: Number(d.streamKeyId), duration_s: Math.round(d.durationMin * 60) }
}
