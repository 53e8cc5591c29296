// The upload queue's state, without the network: what each file is doing, in what order they
// go, and how one turns into the next. The store (useUploads) drives tus-js-client with it.

export type UploadState =
  /** Picked, waiting for its turn. */
  | 'waiting'
  | 'uploading'
  | 'paused'
  /** All bytes are on the server; `itemId` names the library item. */
  | 'done'
  | 'error'
  /** Known from an earlier visit (the browser remembers it), but the file must be picked again. */
  | 'unfinished'

export interface UploadEntry {
  /** Local id, stable for the life of the entry. */
  key: string
  name: string
  size: number
  sent: number
  state: UploadState
  /** Bytes per second, and seconds left, while uploading. */
  speed: number | null
  eta: number | null
  error: string
  itemId: string | null
  /** The tus upload URL once created (also what an unfinished entry is resumed by). */
  uploadUrl: string | null
  /** The fingerprint tus-js-client stored it under (to forget it). */
  storageKey: string | null
}

export function newEntry(key: string, name: string, size: number, patch: Partial<UploadEntry> = {}): UploadEntry {
  return { key, name, size, sent: 0, state: 'waiting', speed: null, eta: null, error: '', itemId: null, uploadUrl: null, storageKey: null, ...patch }
}

export function fraction(entry: Pick<UploadEntry, 'sent' | 'size' | 'state'>): number {
  if (entry.state === 'done') return 1
  return entry.size > 0 ? Math.min(1, entry.sent / entry.size) : 0
}

/** How many upload at once: one at a time finishes the first film soonest (and its transcode starts). */
export const MAX_ACTIVE = 1

/** The entries to start now, oldest first, keeping at most `max` uploading. */
export function nextToStart(entries: readonly UploadEntry[], max = MAX_ACTIVE): UploadEntry[] {
  const active = entries.filter((e) => e.state === 'uploading').length
  return entries.filter((e) => e.state === 'waiting').slice(0, Math.max(0, max - active))
}

/**
 * A file picked again that matches an unfinished entry (same name and size: what the browser
 * can still compare after a reload) takes that entry's place, so its progress continues there.
 */
export function matchUnfinished(entries: readonly UploadEntry[], name: string, size: number): UploadEntry | null {
  return entries.find((e) => e.state === 'unfinished' && e.name === name && e.size === size) ?? null
}

export function isActive(entry: Pick<UploadEntry, 'state'>): boolean {
  return entry.state === 'waiting' || entry.state === 'uploading'
}

/** "The.Big.Film.2004.1080p.mkv" -> "The Big Film 2004 1080p": a first title the owner can edit. */
export function titleFromFilename(name: string): string {
  const base = name.replace(/\.[A-Za-z0-9]{1,5}$/, '')
  const spaced = base.replace(/[._]+/g, ' ').replace(/\s+/g, ' ').trim()
  return (spaced || name).slice(0, 200)
}

/** What we accept: video and audio files (and what the browser cannot type, by extension). */
const MEDIA_EXTENSIONS = /\.(mkv|mp4|m4v|mov|avi|webm|ts|m2ts|mts|mpg|mpeg|wmv|flv|ogv|ogg|mp3|m4a|aac|flac|wav|opus|3gp)$/i

export function looksLikeMedia(file: Pick<File, 'name' | 'type'>): boolean {
  return file.type.startsWith('video/') || file.type.startsWith('audio/') || MEDIA_EXTENSIONS.test(file.name)
}
