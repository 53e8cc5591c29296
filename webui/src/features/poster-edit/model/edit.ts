// The edit form's values, filled from the event as it is, and the change the API takes: only
// what the owner changed (an unchanged event sends nothing and bumps no SEQUENCE).
import { localInputToIso, toLocalInput } from '@/entities/poster-event'
import type { PosterEvent, PosterEventChange } from '@/entities/poster-event'

export interface EditDraft {
  title: string
  description: string
  /** "2026-12-24T19:30" as the input holds it, in the viewer's zone. */
  startsLocal: string
  durationMin: number
  visibility: 'public' | 'unlisted' | 'private'
}

export function editDraftOf(e: PosterEvent): EditDraft {
  return {
    title: e.title,
    description: e.description,
    startsLocal: toLocalInput(new Date(e.starts_at)),
    durationMin: Math.round(e.duration_s / 60),
    visibility: e.visibility,
  }
}

/** What changed, as PATCH takes it; null when the time typed is no time. */
export function changeOf(e: PosterEvent, d: EditDraft): PosterEventChange | null {
  const change: PosterEventChange = {}
  const title = d.title.trim()
  if (title !== e.title) change.title = title
  if (d.description.trim() !== e.description.trim()) change.description = d.description.trim()
  const before = editDraftOf(e)
  if (d.startsLocal !== before.startsLocal) {
    const iso = localInputToIso(d.startsLocal)
    if (!iso) return null
    change.starts_at = iso
  }
  if (e.kind === 'live' && d.durationMin !== before.durationMin) change.duration_s = Math.round(d.durationMin * 60)
  if (d.visibility !== e.visibility) change.visibility = d.visibility
  return change
}
