// The edit form's values and what of them goes to the server: only what changed, cleaned.
import type { LibraryItem, LibraryItemChange, StreamVisibility } from '@/shared/api'

export interface ItemForm {
  title: string
  description: string
  year: string
  genres: string
  visibility: StreamVisibility
  /** Who else may watch a private item: usernames and group:NAME, comma separated. */
  allowed: string
}

export function formFromItem(item: LibraryItem): ItemForm {
  return {
    title: item.title,
    description: item.description ?? '',
    year: item.year ? String(item.year) : '',
    genres: (item.genres ?? []).join(', '),
    visibility: item.visibility,
    allowed: (item.allowed ?? []).join(', '),
  }
}

/** "drama, Crime ,, drama" -> ["drama", "Crime"]: trimmed, no empties, no repeats (any case). */
export function parseGenres(text: string): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const part of text.split(',')) {
    const genre = part.trim().slice(0, 40)
    if (!genre || seen.has(genre.toLowerCase())) continue
    seen.add(genre.toLowerCase())
    out.push(genre)
  }
  return out.slice(0, 12)
}

/** "anna, @boris, group:family, anna" -> ["anna", "boris", "group:family"]. */
export function parseAllowed(text: string): string[] {
  const out: string[] = []
  for (const part of text.split(/[,\s]+/)) {
    const name = part.trim().replace(/^@/, '')
    if (name && !out.includes(name)) out.push(name)
  }
  return out.slice(0, 100)
}

export type FormProblem = 'titleRequired' | 'yearInvalid'

export function validateForm(form: ItemForm, now = new Date()): FormProblem | null {
  if (!form.title.trim()) return 'titleRequired'
  if (form.year.trim()) {
    const year = Number(form.year.trim())
    if (!Number.isInteger(year) || year < 1870 || year > now.getFullYear() + 5) return 'yearInvalid'
  }
  return null
}

export function changesFrom(item: LibraryItem, form: ItemForm): LibraryItemChange {
  const change: LibraryItemChange = {}
  if (form.title.trim() !== item.title) change.title = form.title.trim()
  if (form.description.trim() !== (item.description ?? '')) change.description = form.description.trim()
  const year = form.year.trim() ? Number(form.year.trim()) : null
  if (year !== (item.year ?? null)) change.year = year
  const genres = parseGenres(form.genres)
  if (genres.join('\n') !== (item.genres ?? []).join('\n')) change.genres = genres
  if (form.visibility !== item.visibility) change.visibility = form.visibility
  const allowed = form.visibility === 'private' ? parseAllowed(form.allowed) : []
  if (allowed.join('\n') !== (item.allowed ?? []).join('\n')) change.allowed = allowed
  return change
}
