import { describe, expect, it, vi } from 'vitest'
import type { PositionReport } from '@/shared/api'
import type { Clock } from '@/shared/lib'
import { HEARTBEAT_MS, LiveReporter, PositionReporter, SEEK_SETTLE_MS } from './reporter'

/** A clock the test moves by hand: timers fire when their time comes. */
function fakeClock(start = 1_750_000_000_000) {
  let now = start
  let nextId = 1
  const timers = new Map<number, { at: number; fn: () => void }>()
  const clock: Clock = {
    now: () => now,
    setTimer: (fn, ms) => {
      const id = nextId++
      timers.set(id, { at: now + ms, fn })
      return id
    },
    clearTimer: (id) => timers.delete(id as number),
  }
  function advance(ms: number) {
    const end = now + ms
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      timers.delete(due[0])
      now = due[1].at
      due[1].fn()
    }
    now = end
  }
  return { clock, advance }
}

function sink() {
  const sent: PositionReport[] = []
  const beacons: PositionReport[] = []
  let failWith: number | null = null
  return {
    sent,
    beacons,
    fail: (status: number | null) => (failWith = status),
    send: vi.fn(async (r: PositionReport) => {
      sent.push(r)
      if (failWith) throw Object.assign(new Error('refused'), { status: failWith })
    }),
    beacon: vi.fn((r: PositionReport) => void beacons.push(r)),
  }
}

describe('PositionReporter', () => {
  it('after a mark by hand, leaving the page does not repeat the old position over it', () => {
    const { clock, advance } = fakeClock()
    const s = sink()
    const r = new PositionReporter(s, clock)
    r.time(0.5, 600)
    r.play()
    r.time(12, 600)
    r.pause()
    expect(s.sent.map((x) => x.position_s)).toEqual([12])
    r.time(12.3, 600) // the player's last timeupdate after the pause
    r.settle() // marked watched
    r.leave()
    expect(s.beacons).toEqual([])
    // Played on after the mark: that is news again.
    r.play()
    r.time(20, 600)
    advance(HEARTBEAT_MS)
    expect(s.sent.at(-1)?.position_s).toBe(20)
  })

  it('reports every 10 s while playing, and on pause, with sent_at always increasing', () => {
    const { clock, advance } = fakeClock()
    const s = sink()
    const r = new PositionReporter(s, clock)
    r.time(0.5, 600)
    r.play()
    for (let i = 1; i <= 25; i++) {
      r.time(i, 600)
      advance(1000)
    }
    expect(s.sent.map((x) => Math.round(x.position_s))).toEqual([10, 20])
    r.pause()
    expect(s.sent.map((x) => Math.round(x.position_s))).toEqual([10, 20, 25])
    const times = s.sent.map((x) => x.sent_at)
    expect([...times].sort((a, b) => a - b)).toEqual(times)
    expect(new Set(times).size).toBe(times.length)
    expect(s.sent[0]!.duration_s).toBe(600)
    // Paused: nothing more until it plays again.
    advance(3 * HEARTBEAT_MS)
    expect(s.sent).toHaveLength(3)
  })

  it('says nothing before the user plays, and once a seek has settled', () => {
    const { clock, advance } = fakeClock()
    const s = sink()
    const r = new PositionReporter(s, clock)
    r.time(0, 600)
    r.seeked(300)
    advance(SEEK_SETTLE_MS * 3)
    expect(s.sent).toHaveLength(0)
    r.play()
    r.seeked(100)
    advance(200)
    r.seeked(200)
    advance(200)
    r.seeked(310) // dragging: one report once it stops
    advance(SEEK_SETTLE_MS)
    expect(s.sent.map((x) => x.position_s)).toEqual([310])
  })

  it('sends the last position by beacon when the page goes away, and the end when it ends', () => {
    const { clock, advance } = fakeClock()
    const s = sink()
    const r = new PositionReporter(s, clock)
    r.play()
    advance(4000)
    r.time(14.8, 60)
    r.leave()
    expect(s.beacons.map((x) => x.position_s)).toEqual([14.8])
    r.leave()
    expect(s.beacons).toHaveLength(1) // nothing new to say
    r.time(60, 60)
    r.ended()
    expect(s.sent.at(-1)!.position_s).toBe(60)
  })

  it('stops for good when the server keeps no history for this user, and waits when told to slow down', async () => {
    const { clock, advance } = fakeClock()
    const s = sink()
    const r = new PositionReporter(s, clock)
    r.play()
    s.fail(429)
    r.time(5, 600)
    r.pause()
    await Promise.resolve()
    r.play()
    r.time(6, 600)
    r.pause() // within the wait: not sent
    expect(s.sent).toHaveLength(1)
    advance(HEARTBEAT_MS)
    s.fail(401)
    r.play()
    r.time(7, 600)
    r.pause()
    await Promise.resolve()
    r.play()
    r.time(8, 600)
    r.pause()
    r.leave()
    expect(s.sent).toHaveLength(2)
    expect(s.beacons).toHaveLength(0)
  })
})

describe('LiveReporter', () => {
  it('reports the seconds played since its last report', () => {
    const { clock, advance } = fakeClock()
    const sent: number[] = []
    const beacons: number[] = []
    const r = new LiveReporter(
      { send: async (played) => void sent.push(played), beacon: (played) => void beacons.push(played) },
      clock,
    )
    r.play()
    advance(25_000)
    expect(sent).toEqual([10, 10])
    r.pause()
    expect(sent).toEqual([10, 10, 5])
    advance(60_000) // paused: not watching
    r.play()
    advance(3000)
    r.leave()
    expect(beacons).toEqual([3])
  })
})
