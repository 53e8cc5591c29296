import { describe, expect, it } from 'vitest'
import { fraction, looksLikeMedia, matchUnfinished, newEntry, nextToStart, titleFromFilename } from './queue'
import { SpeedMeter } from './speed'

describe('upload queue', () => {
  it('starts the oldest waiting file, one at a time', () => {
    const entries = [newEntry('a', 'a.mkv', 10, { state: 'done' }), newEntry('b', 'b.mkv', 10), newEntry('c', 'c.mkv', 10)]
    expect(nextToStart(entries).map((e) => e.key)).toEqual(['b'])
    entries[1]!.state = 'uploading'
    expect(nextToStart(entries)).toEqual([])
    expect(nextToStart(entries, 2).map((e) => e.key)).toEqual(['c'])
  })

  it('a file picked again after a reload takes the place of its unfinished entry', () => {
    const entries = [newEntry('x', 'film.mkv', 1000, { state: 'unfinished', sent: 400 }), newEntry('y', 'film.mkv', 999)]
    expect(matchUnfinished(entries, 'film.mkv', 1000)?.key).toBe('x')
    expect(matchUnfinished(entries, 'film.mkv', 999)).toBeNull()
    expect(matchUnfinished(entries, 'other.mkv', 1000)).toBeNull()
  })

  it('knows how far each file is', () => {
    expect(fraction(newEntry('a', 'a', 200, { sent: 50 }))).toBe(0.25)
    expect(fraction(newEntry('a', 'a', 0, { state: 'done' }))).toBe(1)
    expect(fraction(newEntry('a', 'a', 0))).toBe(0)
  })

  it('makes a first title from the file name and accepts media files only', () => {
    expect(titleFromFilename('The.Big_Film.2004.mkv')).toBe('The Big Film 2004')
    expect(titleFromFilename('  .mp4')).toBe('  .mp4')
    expect(looksLikeMedia({ name: 'x.bin', type: 'video/mp4' })).toBe(true)
    expect(looksLikeMedia({ name: 'Film.MKV', type: '' })).toBe(true)
    expect(looksLikeMedia({ name: 'notes.txt', type: 'text/plain' })).toBe(false)
  })
})

describe('SpeedMeter', () => {
  it('measures the rate over its window and the time left', () => {
    const meter = new SpeedMeter(5000)
    meter.add(0, 0)
    expect(meter.rate()).toBeNull()
    meter.add(1_000_000, 1000)
    expect(meter.rate()).toBe(1_000_000)
    expect(meter.eta(5_000_000)).toBe(4)
    // Old samples leave the window: a slowdown shows at once.
    meter.add(1_500_000, 7000)
    meter.add(1_600_000, 8000)
    expect(meter.rate()).toBeCloseTo(100_000, -3)
  })

  it('starts over when the total goes back (a restarted upload) and says nothing when stalled', () => {
    const meter = new SpeedMeter()
    meter.add(500, 0)
    meter.add(1000, 1000)
    meter.add(200, 1500)
    expect(meter.rate()).toBeNull()
    meter.add(200, 3000)
    expect(meter.rate()).toBe(0)
    expect(meter.eta(1000)).toBeNull()
  })
})
