// One view per page: the player tells the server when it starts, and again once it has played
// 30 s (the server checks that the time passed on its own clock, and counts one view per viewer
// per 30 minutes). Time paused does not count.
import { realClock } from '@/shared/lib'
import type { Clock } from '@/shared/lib'

export const VIEW_AFTER_S = 30

export interface ViewSink {
  report(playedS: number): Promise<{ counted: boolean; state: string }>
}

export class ViewReporter {
  private played = 0
  private since: number | null = null
  private timer: unknown = null
  private announced = false
  private done = false

  constructor(
    private readonly sink: ViewSink,
    private readonly clock: Clock = realClock,
  ) {}

  play(): void {
    if (this.done) return
    if (!this.announced) {
      this.announced = true
      this.sink.report(0).catch(() => (this.done = true))
    }
    if (this.since === null) this.since = this.clock.now()
    this.schedule()
  }

  pause(): void {
    this.collect()
    this.since = null
    this.cancel()
  }

  stop(): void {
    this.cancel()
    this.done = true
  }

  private collect(): void {
    if (this.since === null) return
    const now = this.clock.now()
    this.played += Math.max(0, now - this.since) / 1000
    this.since = now
  }

  private cancel(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer)
    this.timer = null
  }

  private schedule(): void {
    this.cancel()
    if (this.done) return
    const wait = Math.max(0, VIEW_AFTER_S - this.played) * 1000 + 500
    this.timer = this.clock.setTimer(() => {
      this.timer = null
      this.collect()
      if (this.played < VIEW_AFTER_S) return this.schedule()
      this.sink
        .report(Math.round(this.played))
        .then((verdict) => {
          // "waiting": the server's clock has not seen 30 s yet; ask again a little later.
          if (verdict.state === 'waiting' && this.since !== null) this.schedule()
          else this.done = true
        })
        .catch(() => (this.done = true))
    }, wait)
  }
}
