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
  endpoints: { http: string; rtmp?: string }
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
}

export type UserRole = 'admin' | 'user' | string

export interface User {
  id: number | string
  username: string
  display_name: string
  email: string
  bio: string
  role: UserRole
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

export interface ApiErrorBody {
  error: string
}
