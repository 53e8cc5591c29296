export type StreamFormat = 'hls' | 'dash'

export interface PlayerSource {
  url: string
  /** Picked from the URL (.mpd is DASH) when not given. */
  format?: StreamFormat
  /** A live source is retried while it is missing or ended, so it plays again when it comes back. */
  live?: boolean
  /** Where a film starts, in seconds (a resume position); live sources ignore it. */
  startAt?: number
}

/** One rung of the quality ladder as the engine reports it. */
export interface QualityLevel {
  /** The engine's own index, passed back to select it. */
  index: number
  height: number | null
  width: number | null
  bitrate: number | null
  label: string
}

/** An audio or subtitle track as the engine reports it (hls.js EXT-X-MEDIA, a DASH AdaptationSet). */
export interface MediaTrack {
  /** The engine's own index, passed back to select it. */
  index: number
  label: string
  language: string
}

/** Subtitles off. */
export const NO_TRACK = -1

/** "English", "Русский", or what the manifest calls it; "Track 2" when it says nothing. */
export function trackLabel(name: string | undefined, language: string | undefined, index: number, locale = 'en'): string {
  if (name && name.trim()) return name.trim()
  if (language && language !== 'und') {
    try {
      const display = new Intl.DisplayNames([locale], { type: 'language' }).of(language)
      if (display) return display.charAt(0).toLocaleUpperCase(locale) + display.slice(1)
    } catch {
      // Not a language tag Intl knows: show the tag itself.
    }
    return language
  }
  return `#${index + 1}`
}

/** -1 means "Auto": the engine picks by bandwidth. */
export const AUTO_LEVEL = -1

export type PlayerStatus =
  | 'idle'
  | 'loading'
  | 'playing'
  | 'paused'
  | 'buffering'
  /** A live stream that has not started (its playlist does not exist yet). */
  | 'offline'
  /** A live stream that was playing and has stopped (EXT-X-ENDLIST, or its files went away). */
  | 'ended'
  | 'error'

export function formatFor(source: PlayerSource): StreamFormat {
  if (source.format) return source.format
  return /\.mpd(\?|$)/i.test(source.url) ? 'dash' : 'hls'
}

/** "1080p", or the bitrate when the ladder has no heights (audio-only or odd manifests). */
export function levelLabel(height: number | null, bitrate: number | null): string {
  if (height) return `${height}p`
  if (bitrate) return bitrate >= 1_000_000 ? `${(bitrate / 1_000_000).toFixed(1)} Mb/s` : `${Math.round(bitrate / 1000)} kb/s`
  return '?'
}

/** Highest first, as people read a quality menu; the engine index is kept for selecting. */
export function sortLevels(levels: QualityLevel[]): QualityLevel[] {
  return [...levels].sort((a, b) => (b.height ?? 0) - (a.height ?? 0) || (b.bitrate ?? 0) - (a.bitrate ?? 0))
}

/** What the player knows about what it plays, for a "stats for nerds" panel. */
export interface PlayerStats {
  width: number
  height: number
  /** Seconds buffered ahead of the playhead. */
  bufferS: number
  /** Live: seconds behind the live edge; null for a film. */
  behindLiveS: number | null
  droppedFrames: number | null
  /** The playing rung's declared bitrate (bits/s), when there is a ladder. */
  levelBitrate: number | null
  engine: string | null
}
