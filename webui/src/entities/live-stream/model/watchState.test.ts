import { describe, expect, it } from 'vitest'
import { initialWatchState, nextWatchState, viewOf } from './watchState'
import type { WatchInputs, WatchState } from './watchState'

const live = (since = '2026-12-01T10:00:00Z', state = 'live') => ({ state, since })
const base: WatchInputs = { listingLoaded: true, listed: null, exists: true, hasPicture: false }

function run(...inputs: Partial<WatchInputs>[]): WatchState {
  return inputs.reduce<WatchState>((s, i) => nextWatchState(s, { ...base, ...i }), initialWatchState)
}

describe('the watch page state machine', () => {
  it('waits for a stream that exists and is not live, without a spinner or a LIVE badge', () => {
    const s = run({})
    expect(s.phase).toBe('waiting')
    expect(viewOf(s)).toMatchObject({ badge: null, play: false, spinner: false })
    expect(viewOf(s).message?.title).toBe('liveState.waitingTitle')
  })

  it('says "no such channel" for a name nobody has, and does not promise it will play', () => {
    const s = run({ exists: false })
    expect(s.phase).toBe('nosuch')
    expect(viewOf(s)).toMatchObject({ badge: null, play: false, spinner: false, chat: false })
    expect(run({ exists: null }).phase).toBe('loading')
    expect(run({ listingLoaded: false, exists: false }).phase).toBe('loading')
  })

  it('goes live: LIVE while starting and playing, the spinner only until the picture comes', () => {
    const starting = run({}, { listed: live() })
    expect(starting.phase).toBe('starting')
    expect(viewOf(starting)).toMatchObject({ badge: 'live', play: true, spinner: true })
    const playing = nextWatchState(starting, { ...base, listed: live(), hasPicture: true })
    expect(playing.phase).toBe('live')
    expect(viewOf(playing)).toMatchObject({ badge: 'live', play: true, spinner: false, message: null })
  })

  it('reconnects: no frozen LIVE picture, "Reconnecting" over it, then plays on', () => {
    const s = run({ listed: live(), hasPicture: true }, { listed: live(undefined, 'reconnecting'), hasPicture: true })
    expect(s.phase).toBe('reconnecting')
    expect(viewOf(s)).toMatchObject({ badge: 'reconnecting', play: true, spinner: true })
    expect(viewOf(s).message?.title).toBe('liveState.reconnectingTitle')
    const back = nextWatchState(s, { ...base, listed: live(), hasPicture: true })
    expect(back.phase).toBe('live')
  })

  it('ends: no LIVE badge, no spinner, no player on the ended playlist, a replay link', () => {
    const s = run({ listed: live(), hasPicture: true }, { listed: null, hasPicture: true })
    expect(s.phase).toBe('ended')
    const view = viewOf(s)
    expect(view).toMatchObject({ badge: null, spinner: false, play: false, replay: true })
    expect(view.message?.title).toBe('liveState.endedTitle')
    // Whatever the channel lookup says later, it ended: it existed.
    expect(nextWatchState(s, { ...base, exists: false }).phase).toBe('ended')
  })

  it('starts over for a new session: its own playlist, starting until its picture comes', () => {
    const ended = run({ listed: live('A'), hasPicture: true }, { listed: null })
    const next = nextWatchState(ended, { ...base, listed: live('B'), hasPicture: true })
    expect(next.phase).toBe('starting')
    expect(next.session).toBe('B')
    // Also when the new session comes before the page saw the old one end.
    const direct = run({ listed: live('A'), hasPicture: true }, { listed: live('B'), hasPicture: true })
    expect(direct).toMatchObject({ phase: 'starting', session: 'B' })
  })

  it('keeps what it knew while a listing request fails', () => {
    const s = run({ listed: live(), hasPicture: true }, { listingLoaded: false, listed: null, hasPicture: true })
    expect(s.phase).toBe('live')
  })
})
