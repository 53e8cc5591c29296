import { describe, expect, it } from 'vitest'
import { EventStream } from './events'

class FakeSource {
  listeners = new Map<string, Set<(e: MessageEvent) => void>>()
  onopen: ((e: Event) => void) | null = null
  onerror: ((e: Event) => void) | null = null
  closed = false
  constructor(readonly url: string) {}
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set())
    this.listeners.get(type)!.add(fn)
  }
  removeEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.get(type)?.delete(fn)
  }
  close() {
    this.closed = true
  }
  emit(type: string, data: string) {
    for (const fn of this.listeners.get(type) ?? []) fn(new MessageEvent(type, { data }))
  }
}

describe('EventStream (/api/events)', () => {
  it('opens one connection for all listeners, parses JSON, and closes when the last one leaves', () => {
    const made: FakeSource[] = []
    const stream = new EventStream((url) => {
      const s = new FakeSource(url)
      made.push(s)
      return s
    })
    const a: unknown[] = []
    const b: unknown[] = []
    const offA = stream.subscribe('library.progress', (d) => a.push(d))
    const offB = stream.subscribe('library.ready', (d) => b.push(d))
    expect(made).toHaveLength(1)
    expect(made[0]!.url).toBe('/api/events')
    made[0]!.emit('library.progress', '{"id":"x","progress":43}')
    made[0]!.emit('library.ready', 'not json')
    expect(a).toEqual([{ id: 'x', progress: 43 }])
    expect(b).toEqual(['not json'])
    offA()
    made[0]!.emit('library.progress', '{"id":"x"}')
    expect(a).toHaveLength(1)
    expect(made[0]!.closed).toBe(false)
    offB()
    expect(made[0]!.closed).toBe(true)
  })

  it('tells listeners when it came back after a drop (events were missed)', () => {
    let source!: FakeSource
    const stream = new EventStream((url) => (source = new FakeSource(url)))
    let resyncs = 0
    stream.onReconnect(() => (resyncs += 1))
    stream.subscribe('library.progress', () => undefined)
    source.onopen!(new Event('open'))
    expect(stream.connected).toBe(true)
    expect(resyncs).toBe(0)
    source.onerror!(new Event('error'))
    expect(stream.connected).toBe(false)
    source.onopen!(new Event('open'))
    expect(resyncs).toBe(1)
  })

  it('works without EventSource at all (no pushes, no errors)', () => {
    const stream = new EventStream(() => {
      throw new Error('no EventSource')
    })
    const off = stream.subscribe('x', () => undefined)
    expect(stream.connected).toBe(false)
    off()
  })
})
