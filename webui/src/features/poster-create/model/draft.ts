// The create form's values and what the API takes from them. A datetime-local input gives the
// viewer's local wall time; the Date of it is their zone's, sent as UTC ISO-8601.

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

export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}

/** The local wall time as a UTC instant, or null when it is no time. */
export function localInputToIso(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text)
  if (!m) return null
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0))
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z')
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
