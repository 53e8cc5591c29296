// The one state machine of a live watch page (and the embed player): what the server's listing
// says about the stream, what the channel lookup says about the name, and what the player sees
// become one phase. The badge, the player's source and every message are read from that phase
// only, so they can never contradict each other (no LIVE badge beside "ended", no spinner that
// waits for a stream that cannot exist).

/** What the page knows, from three sources that change independently. */
export interface WatchInputs {
  /** /api/live has answered at least once. */
  listingLoaded: boolean
  /** This stream's entry in /api/live, or null when it is not listed (not live, or not ours to see). */
  listed: { state: 'live' | 'reconnecting' | string; since: string } | null
  /** GET /api/channels/{name}: true (a channel or stream of that name exists), false (404), null (not asked / unknown). */
  exists: boolean | null
  /** The player: whether a picture is on screen (playing, paused, buffering). */
  hasPicture: boolean
}

export type WatchPhase =
  | 'loading' // nothing known yet
  | 'nosuch' // no account and no stream has this name
  | 'waiting' // it exists, it is not live, and it was not live while this page was open
  | 'starting' // listed live, no picture yet
  | 'live' // listed live, a picture on screen
  | 'reconnecting' // the publisher dropped; the grace period runs
  | 'ended' // it was live while the page was open, and is not any more

export interface WatchState {
  phase: WatchPhase
  /** The live session shown (its `since`); a new one means a new playlist URL. */
  session: string | null
  /** It was live at some point while this page was open. */
  wasLive: boolean
}

export const initialWatchState: WatchState = { phase: 'loading', session: null, wasLive: false }

export function nextWatchState(prev: WatchState, input: WatchInputs): WatchState {
  if (input.listed) {
    const session = input.listed.since
    if (input.listed.state === 'reconnecting') return { phase: 'reconnecting', session, wasLive: true }
    const newSession = prev.session !== null && prev.session !== session
    // A new session starts without a picture even if the old one's is still on screen.
    const phase: WatchPhase = input.hasPicture && !newSession && prev.phase !== 'ended' ? 'live' : 'starting'
    return { phase, session, wasLive: true }
  }
  if (!input.listingLoaded) return { ...prev, phase: prev.wasLive ? prev.phase : 'loading' }
  if (prev.wasLive) return { ...prev, phase: 'ended' }
  if (input.exists === false) return { ...prev, phase: 'nosuch' }
  if (input.exists === null) return { ...prev, phase: 'loading' }
  return { ...prev, phase: 'waiting' }
}

/** What the page shows for a phase. */
export interface WatchView {
  badge: 'live' | 'reconnecting' | null
  /** Load the stream into the player (only while it is listed: never an ended playlist). */
  play: boolean
  /** A spinner only while something is really on its way. */
  spinner: boolean
  /** i18n keys of the message over the player, or null when the picture speaks for itself. */
  message: { title: string; hint?: string } | null
  /** The replay link is offered (when there is a replay). */
  replay: boolean
  /** The chat is open for writing (not for a stream that cannot exist). */
  chat: boolean
}

export function viewOf(state: WatchState): WatchView {
  switch (state.phase) {
    case 'loading':
      return { badge: null, play: false, spinner: true, message: null, replay: false, chat: false }
    case 'nosuch':
      return { badge: null, play: false, spinner: false, message: { title: 'liveState.noSuchTitle', hint: 'liveState.noSuchHint' }, replay: false, chat: false }
    case 'waiting':
      return { badge: null, play: false, spinner: false, message: { title: 'liveState.waitingTitle', hint: 'liveState.waitingHint' }, replay: false, chat: true }
    case 'starting':
      return { badge: 'live', play: true, spinner: true, message: { title: 'liveState.startingTitle' }, replay: false, chat: true }
    case 'live':
      return { badge: 'live', play: true, spinner: false, message: null, replay: false, chat: true }
    case 'reconnecting':
      return { badge: 'reconnecting', play: true, spinner: true, message: { title: 'liveState.reconnectingTitle', hint: 'liveState.reconnectingHint' }, replay: false, chat: true }
    case 'ended':
      return { badge: null, play: false, spinner: false, message: { title: 'liveState.endedTitle', hint: 'liveState.endedHint' }, replay: true, chat: true }
  }
}
