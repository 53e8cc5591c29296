// A poster event as GET /api/poster and /api/poster/events/{id} describe it (the schedule
// plugin's README): a premiere of a library film or an announced live stream.

export type PosterEventKind = 'premiere' | 'live'

/**
 * What the event is at the server's now: upcoming, live (a premiere playing; a live event whose
 * key publishes), waiting (a live event inside its window, not started yet), ended, missed (a live
 * event that did not take place), cancelled (shown until its time passes).
 */
export type PosterEventStatus = 'upcoming' | 'live' | 'waiting' | 'ended' | 'missed' | 'cancelled'

export type PosterVisibility = 'public' | 'unlisted' | 'private'

export interface PosterEvent {
  id: string
  kind: PosterEventKind
  title: string
  description: string
  /** ISO-8601 in UTC; shown in the viewer's zone. */
  starts_at: string
  ends_at: string
  duration_s: number
  status: PosterEventStatus
  cancelled: boolean
  cancel_reason: string
  visibility: PosterVisibility
  sequence: number
  page: string
  ics: string
  poster: string | null
  owner: { id: number; username: string }
  /** A premiere's film; its title, page and hls only for who may watch it. */
  item: { id: string; title: string | null; page: string | null; hls: string | null; available: boolean } | null
  stream: string | null
  /** Where to watch it now (a premiere's live playlist, also after its end; a live stream's). */
  playlist: string | null
  watch_page: string | null
  live_since: string | null
  reminded: boolean
  can_edit: boolean
  created_at: string
  updated_at: string
}

export interface PosterListing {
  from: string
  to: string
  tz: string
  now: string
  events: PosterEvent[]
}

export interface NewPosterEvent {
  kind: PosterEventKind
  item_id?: string
  stream_key_id?: number
  title?: string
  description?: string
  starts_at: string
  duration_s?: number
  visibility?: PosterVisibility
}

export type PosterEventChange = Partial<Omit<NewPosterEvent, 'kind' | 'item_id'>>

/** The caller's private calendar feed: `url` only in the answer that made it. */
export interface PosterFeed {
  exists: boolean
  url: string | null
  webcal: string | null
}

/** What every event on the poster says, as the forms that create and edit one hold it (inside
 * their drafts): the start is a datetime-local value, local; V is '' too for a new event
 * ("as its film or stream"). */
export interface EventFieldValues<V extends '' | PosterVisibility = PosterVisibility> {
  title: string
  startsLocal: string
  durationMin: number
  description: string
  visibility: V
}
