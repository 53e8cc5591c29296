// The chat's frames (plugins/chat/README.md), as the server sends and takes them.

export interface ChatMessage {
  id: number
  user: string
  display_name: string
  role: 'streamer' | 'admin' | null
  text: string
  at: string
}

export interface ChatHello {
  type: 'hello'
  stream: string
  you: { name: string; can_write: boolean; can_moderate: boolean } | null
  limits: { max_length: number; rate_messages: number; rate_window_s: number }
  clickable_links: boolean
}

export type ServerFrame =
  | ChatHello
  | { type: 'history'; messages: ChatMessage[] }
  | { type: 'message'; message: ChatMessage }
  | { type: 'messages'; messages: ChatMessage[] }
  | { type: 'deleted'; id: number }
  | { type: 'moderation'; user: string; action: 'timeout' | 'ban' | 'unban'; until: string | null; removed: number[] }
  | { type: 'error'; code: string; error: string; retry_after_s?: number }

export type ClientFrame =
  | { type: 'send'; text: string }
  | { type: 'delete'; id: number }
  | { type: 'timeout'; user: string; seconds: number }
  | { type: 'ban'; user: string }
  | { type: 'unban'; user: string }

export function parseFrame(text: string): ServerFrame | null {
  try {
    const frame = JSON.parse(text) as { type?: unknown }
    return frame && typeof frame.type === 'string' ? (frame as ServerFrame) : null
  } catch {
    return null
  }
}

/** The chat's address for a stream, on the host the page was opened from. */
export function chatUrl(stream: string, location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/api/chat/${encodeURIComponent(stream)}`
}

/** Characters as the server counts them (code points, so an emoji is one). */
export function characterCount(text: string): number {
  return Array.from(text).length
}
