// One stream's chat: the WebSocket, what it says, and what we send. Reconnects by itself
// (with backoff) when the connection drops; the last messages come again with the history.
import { computed, onBeforeUnmount, ref, shallowRef, watch } from 'vue'
import type { Ref } from 'vue'
import { chatUrl, parseFrame } from './chatProtocol'
import type { ChatHello, ChatMessage, ClientFrame } from './chatProtocol'

export type ChatConnection = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'unavailable'

export interface ChatNotice {
  id: number
  key: string
  params: Record<string, string | number>
}

export interface ChatError {
  code: string
  retryAfter: number
}

const MAX_KEPT = 300
const RETRY_MS = [1000, 2000, 5000, 10000, 15000]

export function useChat(stream: Ref<string>, enabled: Ref<boolean>, socketFactory: (url: string) => WebSocket = (u) => new WebSocket(u)) {
  const messages = ref<ChatMessage[]>([])
  const notices = ref<ChatNotice[]>([])
  const hello = shallowRef<ChatHello | null>(null)
  const connection = ref<ChatConnection>('idle')
  const lastError = ref<ChatError | null>(null)
  let socket: WebSocket | null = null
  let attempt = 0
  let retry: ReturnType<typeof setTimeout> | undefined
  let noticeId = 0
  let everOpened = false

  function close() {
    clearTimeout(retry)
    if (socket) {
      socket.onopen = socket.onclose = socket.onmessage = socket.onerror = null
      socket.close()
    }
    socket = null
  }

  function notice(key: string, params: Record<string, string | number>) {
    notices.value = [...notices.value.slice(-4), { id: ++noticeId, key, params }]
  }

  function onFrame(raw: string) {
    const frame = parseFrame(raw)
    if (!frame) return
    switch (frame.type) {
      case 'hello':
        hello.value = frame
        break
      case 'history':
        messages.value = frame.messages.slice(-MAX_KEPT)
        break
      case 'message':
        messages.value = [...messages.value.slice(-(MAX_KEPT - 1)), frame.message]
        break
      case 'messages': // several at once, oldest first (a burst)
        messages.value = [...messages.value, ...frame.messages].slice(-MAX_KEPT)
        break
      case 'deleted':
        messages.value = messages.value.filter((m) => m.id !== frame.id)
        break
      case 'moderation': {
        const removed = new Set(frame.removed)
        messages.value = messages.value.filter((m) => !removed.has(m.id))
        notice(frame.action === 'ban' ? 'chat.banned' : frame.action === 'timeout' ? 'chat.timedOut' : 'chat.unbanned', { user: frame.user })
        break
      }
      case 'error':
        lastError.value = { code: frame.code, retryAfter: frame.retry_after_s ?? 0 }
        break
    }
  }

  function open() {
    close()
    if (!enabled.value || !stream.value) {
      connection.value = 'idle'
      return
    }
    connection.value = everOpened ? 'reconnecting' : 'connecting'
    const ws = socketFactory(chatUrl(stream.value))
    socket = ws
    ws.onopen = () => {
      attempt = 0
      everOpened = true
      connection.value = 'open'
    }
    ws.onmessage = (event) => onFrame(String(event.data))
    ws.onclose = (event) => {
      if (socket !== ws) return
      socket = null
      // Refused before the upgrade (no such stream, not ours to watch): the browser only says
      // 1006. Keep trying slowly: the stream may start, and the chat with it.
      connection.value = everOpened ? 'reconnecting' : event.code === 1006 && attempt >= 2 ? 'unavailable' : 'connecting'
      const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!
      attempt += 1
      retry = setTimeout(open, delay)
    }
  }

  function send(frame: ClientFrame): boolean {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false
    lastError.value = null
    socket.send(JSON.stringify(frame))
    return true
  }

  watch([stream, enabled], () => {
    everOpened = false
    attempt = 0
    messages.value = []
    hello.value = null
    open()
  }, { immediate: true })
  onBeforeUnmount(close)

  const canWrite = computed(() => Boolean(hello.value?.you?.can_write))
  const canModerate = computed(() => Boolean(hello.value?.you?.can_moderate))

  return { messages, notices, hello, connection, lastError, canWrite, canModerate, send, reconnect: open }
}
