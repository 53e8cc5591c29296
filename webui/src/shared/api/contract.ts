// The JSON shapes of KEK's HTTP API, exactly as the server sends them.
// One place for the contract, so a change on the server is a change here and the compiler finds the rest.

export type PipelineState = 'null' | 'ready' | 'paused' | 'playing' | 'running' | 'starting' | 'stopping' | 'stopped' | 'error' | 'restarting' | string

export interface PluginInfo {
  name: string
  version: string
  description: string
}

export interface RefusedPlugin {
  name: string
  path: string
  reason: string
}

export interface PipelineSummary {
  id: string
  template: string
  state: PipelineState
  uptime_s: number
  restarts: number
  last_error: string | null
}

export interface PipelineDetail extends PipelineSummary {
  launch: string
  vars: Record<string, string>
}

export interface Health {
  status: string
  version: string
  plugins: PluginInfo[]
  refused_plugins: RefusedPlugin[]
  pipelines: PipelineSummary[]
  /** rtmp_public: the rtmp plugin's configured public_url, what publishers should use. */
  endpoints: { http: string; rtmp?: string; rtmp_public?: string }
}

export interface LiveStream {
  stream: string
  owner: string
  app: string
  since: string
  bitrate_kbps: number | null
  video_codec: string | null
  audio_codec: string | null
  width: number | null
  height: number | null
  fps: number | null
  viewers: number
  playlist: string
  dash: string | null
  thumbnail: string | null
  /** "live", or "reconnecting" while the publisher's grace period runs. */
  state?: 'live' | 'reconnecting' | string
  /** What the streamer says it is about (PATCH /api/me/channel); null when not set. */
  title?: string | null
  category?: string | null
  /** Codec names people know: "H.264 High 4.1", "AAC-LC 48 kHz stereo" (empty when unknown). */
  video_format?: string
  audio_format?: string
  /** "stream" for a publish; "premiere" for a poster premiere playing a film (the schedule plugin). */
  kind?: 'stream' | 'premiere' | string
  /** A premiere's poster and web UI page ("/poster/<id>"); its title is `title`. */
  poster?: string | null
  page?: string
  /** Seconds between the publisher's keyframes, measured; null until two were seen. */
  keyframe_interval_s?: number | null
  /** The live layout's segment length in seconds; null for a template that is no live layout. */
  segment_s?: number | null
  /** How the publisher's video arrives. */
  ingest?: { fps: number; dropped_frames: number; late_ms: number }
}

/** GET /api/channels/{name} (the channels plugin). */
export interface ChannelLiveStream {
  stream: string
  app: string
  since: string
  state: 'live' | 'reconnecting' | string
  playlist: string
}

export interface Channel {
  name: string
  display_name: string
  avatar_url: string | null
  title: string | null
  category: string | null
  followers: number
  following: boolean
  can_follow: boolean
  is_mine: boolean
  live: ChannelLiveStream[]
  banner_url: string | null
  /** The channel's next event on the poster that the viewer may see (null: none, or no poster). */
  next_on_poster: ChannelPosterEntry | null
  past_broadcasts: unknown[]
}

/** GET /api/channels/{name}: next_on_poster (the schedule plugin's kek::Poster) */
export interface ChannelPosterEntry {
  id: string
  kind: 'premiere' | 'live'
  title: string
  /** ISO-8601 in UTC; shown in the viewer's zone. */
  starts_at: string
  ends_at: string
  /** upcoming; waiting (a live event inside its window, not started); live (a premiere playing now) */
  status: 'upcoming' | 'waiting' | 'live'
  /** "/poster/<id>" */
  page: string
  poster: string | null
}

/** GET /api/me/following */
export interface FollowedChannel {
  name: string
  display_name: string
  avatar_url: string
  title: string | null
  category: string | null
  live: boolean
  stream: string | null
}

/** POST/DELETE /api/channels/{name}/follow */
export interface FollowAnswer {
  following: boolean
  followers: number
}

export type UserRole = 'admin' | 'user' | string

export interface User {
  id: number | string
  username: string
  display_name: string
  email: string
  bio: string
  role: UserRole
  /** An admin disabled the account (shown to admins; absent from older servers). */
  disabled?: boolean
  avatar_url: string | null
  joined_at: string
}

export interface PublicProfile {
  username: string
  display_name: string
  bio: string
  avatar_url: string | null
  joined_at: string
  role: UserRole
}

export interface SessionResponse {
  user: User | null
  csrf_token: string
}

export interface AuthResponse {
  user: User
  csrf_token: string
}

export interface RegisterRequest {
  username: string
  email: string
  password: string
  /** An admin's invite code (registration: invite). */
  invite?: string
}

export interface LoginRequest {
  username: string
  password: string
}

export interface ProfileUpdate {
  display_name?: string
  email?: string
  bio?: string
}

export interface PasswordChange {
  current_password: string
  new_password: string
}

export type StreamVisibility = 'public' | 'unlisted' | 'private' | string

export interface StreamKey {
  id: number | string
  name: string
  stream: string
  visibility: StreamVisibility
  /** Its live streams are also recorded (recordings/<stream>/). */
  record?: boolean
  created_at: string
  last_used_at: string | null
  key_hint: string
}

/** What the owner may change on a key (PATCH /api/me/stream-keys/{id}). */
export interface StreamKeyChange {
  name?: string
  visibility?: StreamVisibility
  record?: boolean
}

/** Returned only on create and regenerate: the one time the full key is shown. */
export interface StreamKeySecret {
  id: number | string
  name: string
  stream: string
  key: string
  visibility: StreamVisibility
}

// --- Library (plugins/library/README.md) -----------------------------------------------------

export type LibraryItemStatus = 'queued' | 'processing' | 'ready' | 'failed'
export type LibrarySort = 'added' | 'title' | 'year' | 'duration'

export interface LibraryRendition {
  name: string
  width: number | null
  height: number | null
  bitrate_kbps: number | null
}

export interface LibraryAudioTrack {
  id: number | string
  language: string
  label: string
  codec: string
  channels: number | null
  default: boolean
}

export interface LibrarySubtitleTrack {
  id: number | string
  language: string
  label: string
  /** The WebVTT file; null until the transcode has written it. */
  url: string | null
}

export interface LibraryOwner {
  id: number | string
  username: string
  display_name: string
  avatar_url: string | null
}

export interface LibrarySource {
  filename: string
  size_bytes: number | null
  container: string | null
  video_codec: string | null
  audio_codec: string | null
  width: number | null
  height: number | null
  fps: number | null
}

export interface LibraryItem {
  id: string
  title: string
  description: string
  year: number | null
  genres: string[]
  status: LibraryItemStatus
  /** 0-100 while queued or processing. */
  progress: number
  eta_s: number | null
  /** Why it failed; only its owner is told ("" otherwise). */
  error: string
  /** The master playlist once it plays (before the job ends: progressive). */
  hls: string | null
  dash: string | null
  poster: string | null
  /** WebVTT index of the seek-preview sprite sheet (#xywh= cues). */
  sprite_vtt: string | null
  duration_s: number | null
  has_video: boolean
  renditions: LibraryRendition[]
  audio: LibraryAudioTrack[]
  subtitles: LibrarySubtitleTrack[]
  owner: LibraryOwner
  /** Where it came from: an upload, an imported folder, or a live recording. */
  origin: 'upload' | 'import' | 'recording'
  visibility: StreamVisibility
  allowed: string[]
  /** Unix seconds. */
  created_at: number
  updated_at: number
  source: LibrarySource | null
  /** The caller is its owner or an admin. */
  can_edit?: boolean
}

export interface LibraryPage {
  items: LibraryItem[]
  next_cursor: string | null
}

export interface LibraryQuery {
  q?: string
  sort?: LibrarySort
  order?: 'asc' | 'desc'
  genre?: string
  status?: LibraryItemStatus
  owner?: string
  cursor?: string
  limit?: number
}

/** What the owner may change (PATCH /api/library/items/{id}). */
export interface LibraryItemChange {
  title?: string
  description?: string
  year?: number | null
  genres?: string[]
  visibility?: StreamVisibility
  allowed?: string[]
}

/** Server-Sent Events on /api/events about library items. */
export interface LibraryProgressEvent {
  id: string
  status: LibraryItemStatus
  progress: number
  eta_s: number | null
}
export interface LibraryReadyEvent {
  id: string
}
export interface LibraryFailedEvent {
  id: string
  error: string
}

/** Every API error: a sentence, and a stable code the UI translates by (shared/i18n apiErrors). */
export interface ApiErrorBody {
  error: string
  code: string
}

// GET /api/admin/metrics/history: the last hour of a few metrics, a sample every interval_s.
export interface MetricsSeries {
  metric: string
  labels: Record<string, string>
  values: (number | null)[] // aligned with MetricsHistory.t; null where there was no sample
}
export interface MetricsHistory {
  interval_s: number
  t: number[] // unix milliseconds
  series: MetricsSeries[]
}

// ---- watch history (plugins/history) ----

/** A film in the user's history: where they stopped (GET /api/me/history...). */
export interface FilmHistoryEntry {
  id: number
  kind: 'film'
  item_id: string
  /** null when the film is gone or no longer the user's to watch (the export only). */
  title: string | null
  poster: string | null
  position_s: number
  duration_s: number
  remaining_s: number
  /** 0-1 */
  progress: number
  watched: boolean
  /** Where the player starts next time: 0 = from the beginning. */
  resume_s: number
  /** Started and not finished: Continue watching. */
  in_progress: boolean
  /** The client's ms of the stored report. */
  sent_at: number
  started_at: string
  updated_at: string
}

/** A live stream the user watched: one viewing. */
export interface LiveHistoryEntry {
  id: number
  kind: 'live'
  stream: string
  app: string
  owner: string
  watched_s: number
  started_at: string
  updated_at: string
}

export type HistoryEntry = FilmHistoryEntry | LiveHistoryEntry

export interface HistoryPage {
  entries: HistoryEntry[]
  next_cursor: string | null
  /** Nothing is recorded while history is paused. */
  paused: boolean
}

export interface HistoryPosition {
  item_id: string
  paused?: boolean
  entry: FilmHistoryEntry | null
}

/** PUT /api/me/history/{item_id}: what the player reports. */
export interface PositionReport {
  position_s: number
  duration_s: number
  sent_at: number
}

export interface HistorySettings {
  paused: boolean
}

/** GET /api/history/views: how many times each was watched. */
export interface ViewCounts {
  films: Record<string, number>
  live: Record<string, number>
}
