import { describe, expect, it } from 'vitest'
import { effectScope, ref } from 'vue'
import type { ChatMessage } from './chatProtocol'
import { useChat } from './useChat'

/** Just enough of a WebSocket for useChat: the test plays the server's frames. */
class FakeSocket {
  onopen: (() => void) | null = null
  onmessage: ((event: { data: string }) => void) | null = null
  onclose: ((event: { code: number }) => void) | null = null
  readyState = 1
  sent: string[] = []
  send(text: string) {
    this.sent.push(text)
  }
  close() {}
  frame(value: unknown) {
    this.onmessage?.({ data: JSON.stringify(value) })
  }
}

function message(id: number, text: string): ChatMessage {
  return { id, user: 'ann', display_name: 'Ann', role: null, text, at: '2026-12-02T03:00:00Z' }
}

describe('useChat', () => {
  it('shows a burst ("messages") after what came before, oldest first, and drops what is deleted', () => {
    const sockets: FakeSocket[] = []
    const scope = effectScope()
    const chat = scope.run(() =>
      useChat(ref('alice'), ref(true), () => {
        const s = new FakeSocket()
        sockets.push(s)
        return s as unknown as WebSocket
      }),
    )!
    const server = sockets[0]!
    server.onopen?.()
    server.frame({ type: 'history', messages: [message(1, 'one')] })
    server.frame({ type: 'message', message: message(2, 'two') })
    server.frame({ type: 'messages', messages: [message(3, 'three'), message(4, 'four')] })
    expect(chat.messages.value.map((m) => m.text)).toEqual(['one', 'two', 'three', 'four'])
    server.frame({ type: 'deleted', id: 3 })
    expect(chat.messages.value.map((m) => m.id)).toEqual([1, 2, 4])
    scope.stop()
  })
})
