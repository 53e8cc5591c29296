// The player's side of watch history, without Vue: what to report and when. A film's position
// goes out every 10 s while it plays, on pause, after a seek settles, at the end, and from the
// page going away (a beacon); each report carries the client's clock (sent_at), strictly
// increasing on this page, so the server keeps the latest. Reports stop for good when the
// server says this user has no history to keep (401, 403, 404), and wait when it says slow down.
import type { PositionReport } from '@/shared/api'
import { realClock } from '@/shared/lib'
import type { Clock } from '@/shared/lib'

export const HEARTBEAT_MS = 10_000
export const SEEK_SETTLE_MS = 1000

export interface ReportSink {
  send(report: PositionReport): Promise<unknown>
  beacon(report: PositionReport): void
}

function statusOf(err: unknown): number {
  return typeof err === 'object' && err !== null && 'status' in err ? Number((err as { status: unknown }).status) : 0
}

export class PositionReporter {
  private position = 0
  private duration = 0
  private playing = false
  private started = false // played at all on this page: nothing is reported before
  private dirty = false // the position changed since the last report
  private lastSentAt = 0
  private heartbeat: unknown = null
  private seekTimer: unknown = null
  private stopped = false
  private pausedUntil = 0

  constructor(
    private readonly sink: ReportSink,
    private readonly clock: Clock = realClock,
  ) {}

  /** The player's time (it plays, or it was moved). */
  time(position: number, duration: number): void {
    if (!Number.isFinite(position) || position < 0) return
    if (Number.isFinite(duration) && duration > 0) this.duration = duration
    if (Math.abs(position - this.position) >= 0.25) this.dirty = true
    this.position = Math.min(position, this.duration || position)
  }

  play(): void {
    this.started = true
    this.playing = true
    this.schedule()
  }

  pause(): void {
    this.playing = false
    this.cancelHeartbeat()
    this.flush()
  }

  seeked(position: number): void {
    this.time(position, this.duration)
    if (!this.started) return
    if (this.seekTimer !== null) this.clock.clearTimer(this.seekTimer)
    this.seekTimer = this.clock.setTimer(() => {
      this.seekTimer = null
      this.flush()
    }, SEEK_SETTLE_MS)
  }

  ended(): void {
    this.playing = false
    this.cancelHeartbeat()
    if (this.duration > 0) this.time(this.duration, this.duration)
    this.flush(true)
  }

  /**
   * The stored entry was just set another way (marked watched or unwatched by hand): the
   * position this page knows is not news, so neither the page going away nor a pause repeats it
   * over the mark; the next report is the next move of the player.
   */
  settle(): void {
    this.dirty = false
  }

  /** The page is going away: the last position, by beacon. */
  leave(): void {
    this.cancelHeartbeat()
    const report = this.next(false)
    if (report) this.sink.beacon(report)
  }

  /** No more reports (the component is gone). */
  stop(): void {
    this.leave()
    this.stopped = true
    if (this.seekTimer !== null) this.clock.clearTimer(this.seekTimer)
    this.seekTimer = null
  }

  private schedule(): void {
    this.cancelHeartbeat()
    if (this.stopped || !this.playing) return
    this.heartbeat = this.clock.setTimer(() => {
      this.heartbeat = null
      this.flush()
      this.schedule()
    }, HEARTBEAT_MS)
  }

  private cancelHeartbeat(): void {
    if (this.heartbeat !== null) this.clock.clearTimer(this.heartbeat)
    this.heartbeat = null
  }

  private next(force: boolean): PositionReport | null {
    if (this.stopped || !this.started || !(this.duration > 0)) return null
    if (!this.dirty && !force) return null
    this.dirty = false
    const sentAt = Math.max(this.clock.now(), this.lastSentAt + 1)
    this.lastSentAt = sentAt
    return { position_s: Math.round(this.position * 1000) / 1000, duration_s: this.duration, sent_at: sentAt }
  }

  private flush(force = false): void {
    if (this.clock.now() < this.pausedUntil) return
    const report = this.next(force)
    if (!report) return
    this.sink.send(report).catch((err: unknown) => {
      const status = statusOf(err)
      if (status === 401 || status === 403 || status === 404) this.stopped = true
      else if (status === 429) {
        this.pausedUntil = this.clock.now() + HEARTBEAT_MS
        this.dirty = true
      } else this.dirty = true // a lost report: the next one carries the position
    })
  }
}

/**
 * Time a live player spent playing, reported as the seconds since the last report (the server
 * adds them up into one viewing).
 */
export class LiveReporter {
  private playingSince: number | null = null
  private unreported = 0
  private heartbeat: unknown = null
  private stopped = false

  constructor(
    private readonly sink: { send(played: number, sentAt: number): Promise<unknown>; beacon(played: number, sentAt: number): void },
    private readonly clock: Clock = realClock,
  ) {}

  play(): void {
    if (this.playingSince === null) this.playingSince = this.clock.now()
    this.schedule()
  }

  pause(): void {
    this.collect()
    this.playingSince = null
    this.cancel()
    this.flush()
  }

  leave(): void {
    this.collect()
    if (this.playingSince !== null) this.playingSince = this.clock.now()
    this.cancel()
    const played = this.take()
    if (played > 0) this.sink.beacon(played, this.clock.now())
  }

  stop(): void {
    this.leave()
    this.stopped = true
  }

  private collect(): void {
    if (this.playingSince === null) return
    const now = this.clock.now()
    this.unreported += Math.max(0, now - this.playingSince) / 1000
    this.playingSince = now
  }

  private take(): number {
    if (this.stopped) return 0
    const played = Math.min(this.unreported, 120)
    this.unreported = 0
    return Math.round(played * 10) / 10
  }

  private schedule(): void {
    this.cancel()
    if (this.stopped) return
    this.heartbeat = this.clock.setTimer(() => {
      this.heartbeat = null
      this.collect()
      this.flush()
      if (this.playingSince !== null) this.schedule()
    }, HEARTBEAT_MS)
  }

  private cancel(): void {
    if (this.heartbeat !== null) this.clock.clearTimer(this.heartbeat)
    this.heartbeat = null
  }

  private flush(): void {
    const played = this.take()
    if (played <= 0) return
    this.sink.send(played, this.clock.now()).catch((err: unknown) => {
      const status = statusOf(err)
      if (status === 401 || status === 403 || status === 404) this.stopped = true
    })
  }
}
