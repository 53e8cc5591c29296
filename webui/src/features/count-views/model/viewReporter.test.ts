import { describe, expect, it } from 'vitest'
import type { Clock } from '@/shared/lib'
import { ViewReporter } from './viewReporter'

function fakeClock() {
  let now = 1_750_000_000_000
  const timers: { at: number; fn: () => void; id: number }[] = []
  let id = 0
  const clock: Clock = {
    now: () => now,
    setTimer: (fn, ms) => {
      timers.push({ at: now + ms, fn, id: ++id })
      return id
    },
    clearTimer: (h) => {
      const i = timers.findIndex((t) => t.id === h)
      if (i >= 0) timers.splice(i, 1)
    },
  }
  const advance = async (ms: number) => {
    const end = now + ms
    for (;;) {
      timers.sort((a, b) => a.at - b.at)
      const t = timers[0]
      if (!t || t.at > end) break
      timers.shift()
      now = t.at
      t.fn()
      await Promise.resolve()
      await Promise.resolve()
    }
    now = end
  }
  return { clock, advance }
}

describe('ViewReporter', () => {
  it('announces the start, then reports once 30 s have played (paused time does not count), once', async () => {
    const { clock, advance } = fakeClock()
    const reports: number[] = []
    const r = new ViewReporter({ report: async (p) => (reports.push(p), { counted: p >= 30, state: p >= 30 ? 'counted' : 'started' }) }, clock)
    r.play()
    expect(reports).toEqual([0])
    await advance(20_000)
    r.pause()
    await advance(120_000)
    expect(reports).toEqual([0])
    r.play()
    await advance(11_000)
    expect(reports).toEqual([0, 31])
    r.pause()
    r.play()
    await advance(60_000)
    expect(reports).toEqual([0, 31])
  })
})
