// Server-Sent Events from GET /api/events: one EventSource for the whole app, opened when the
// first listener subscribes and closed when the last one leaves. The server sends each browser
// only the events it may see; the browser reconnects by itself (the server's `retry:`), and
// listeners are told when it did, since events sent while it was away are lost: they reload.

export const EVENTS_PATH = '/api/events'

type Handler = (data: unknown) => void

interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent) => void): void
  removeEventListener(type: string, listener: (event: MessageEvent) => void): void
  close(): void
  onopen: ((event: Event) => void) | null
  onerror: ((event: Event) => void) | null
}

export type EventSourceFactory = (url: string) => EventSourceLike

export class EventStream {
  private source: EventSourceLike | null = null
  private readonly handlers = new Map<string, Set<Handler>>()
  private readonly dispatchers = new Map<string, (event: MessageEvent) => void>()
  private readonly reconnectHandlers = new Set<() => void>()
  private opened = false
  private lost = false

  constructor(
    private readonly create: EventSourceFactory,
    private readonly url = EVENTS_PATH,
  ) {}

  /** Calls `handler` with the parsed JSON of every `type` event; returns the unsubscribe. */
  subscribe(type: string, handler: Handler): () => void {
    let set = this.handlers.get(type)
    if (!set) {
      set = new Set()
      this.handlers.set(type, set)
      if (this.source) this.listen(type)
    }
    set.add(handler)
    this.ensureOpen()
    return () => {
      set!.delete(handler)
      if (set!.size === 0) {
        this.handlers.delete(type)
        this.unlisten(type)
      }
      this.closeIfIdle()
    }
  }

  /** Called after the connection came back (events in between were missed). */
  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler)
    return () => this.reconnectHandlers.delete(handler)
  }

  get connected(): boolean {
    return this.source !== null && this.opened && !this.lost
  }

  private ensureOpen() {
    if (this.source) return
    let source: EventSourceLike
    try {
      source = this.create(this.url)
    } catch {
      return // No EventSource here (old browser, tests): pages still work, just without pushes.
    }
    this.source = source
    this.opened = false
    this.lost = false
    source.onopen = () => {
      const again = this.opened && this.lost
      this.opened = true
      this.lost = false
      if (again) for (const fn of [...this.reconnectHandlers]) fn()
    }
    source.onerror = () => {
      // The browser retries on its own; remember that we were cut off.
      if (this.opened) this.lost = true
    }
    for (const type of this.handlers.keys()) this.listen(type)
  }

  private listen(type: string) {
    if (!this.source || this.dispatchers.has(type)) return
    const dispatch = (event: MessageEvent) => {
      let data: unknown = event.data
      try {
        data = JSON.parse(String(event.data))
      } catch {
        // Not JSON: hand the text over as it is.
      }
      for (const fn of [...(this.handlers.get(type) ?? [])]) fn(data)
    }
    this.dispatchers.set(type, dispatch)
    this.source.addEventListener(type, dispatch)
  }

  private unlisten(type: string) {
    const dispatch = this.dispatchers.get(type)
    if (dispatch && this.source) this.source.removeEventListener(type, dispatch)
    this.dispatchers.delete(type)
  }

  private closeIfIdle() {
    if (this.handlers.size > 0 || !this.source) return
    this.source.close()
    this.source = null
    this.dispatchers.clear()
  }
}

/** The app's one stream of server events. */
export const serverEvents = new EventStream((url) => {
  if (typeof EventSource === 'undefined') throw new Error('no EventSource')
  return new EventSource(url, { withCredentials: true }) as EventSourceLike
})
