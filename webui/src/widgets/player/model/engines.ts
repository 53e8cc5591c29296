// Thin adapters over hls.js, dash.js and the browser's own HLS, all with the same small face,
// so the player composable does not care which one plays. The libraries load lazily: most
// pages never play video, and dash.js alone is larger than the rest of the app.
import type { MediaTrack, PlayerSource, QualityLevel } from './types'
import { NO_TRACK, formatFor, levelLabel, trackLabel } from './types'

export type EngineFailure = 'missing' | 'ended' | 'fatal'

export interface EngineCallbacks {
  onLevels(levels: QualityLevel[]): void
  /** The level actually playing (Auto picks one); engine index. */
  onActiveLevel(index: number): void
  onManifestReady(): void
  /** The audio renditions (EXT-X-MEDIA TYPE=AUDIO, DASH audio sets) and the one playing. */
  onAudioTracks(tracks: MediaTrack[], active: number): void
  /** The subtitle renditions and the one shown (NO_TRACK: off). */
  onSubtitleTracks(tracks: MediaTrack[], active: number): void
  /** 'missing': the source is not there (404, not started). 'ended': a live source finished. */
  onFailure(kind: EngineFailure, detail: string): void
}

export interface PlaybackEngine {
  readonly name: 'hls.js' | 'dash.js' | 'native'
  setLevel(index: number): void
  setAudioTrack(index: number): void
  /** NO_TRACK turns subtitles off. */
  setSubtitleTrack(index: number): void
  /** Where "live" is now, in media time, or null when unknown. */
  liveEdge(): number | null
  destroy(): void
}

/** Safari plays HLS itself (and on iPhone has no MSE for hls.js); elsewhere hls.js does. */
export function prefersNativeHls(video: HTMLVideoElement, userAgent = navigator.userAgent): boolean {
  const isSafari = /^((?!chrome|chromium|android|crios|fxios).)*safari/i.test(userAgent)
  return isSafari && video.canPlayType('application/vnd.apple.mpegurl') !== ''
}

/** The page's language, for naming tracks by their language tag. */
function locale(): string {
  return (typeof document !== 'undefined' && document.documentElement.lang) || 'en'
}

function seekableEnd(video: HTMLVideoElement): number | null {
  const ranges = video.seekable
  return ranges && ranges.length > 0 ? ranges.end(ranges.length - 1) : null
}

export async function createEngine(
  video: HTMLVideoElement,
  source: PlayerSource,
  callbacks: EngineCallbacks,
): Promise<PlaybackEngine> {
  if (formatFor(source) === 'dash') return createDashEngine(video, source, callbacks)
  if (prefersNativeHls(video)) return createNativeEngine(video, source, callbacks)
  const { default: Hls } = await import('hls.js')
  if (!Hls.isSupported()) {
    if (video.canPlayType('application/vnd.apple.mpegurl')) return createNativeEngine(video, source, callbacks)
    callbacks.onFailure('fatal', 'This browser cannot play HLS video')
    return createNativeEngine(video, { ...source, url: '' }, callbacks)
  }
  return createHlsEngine(Hls, video, source, callbacks)
}

type HlsClass = typeof import('hls.js').default

/** How fast hls.js may play to get back to PART-HOLD-BACK behind an LL-HLS edge. */
export const LL_CATCH_UP_RATE = 1.25

function createHlsEngine(Hls: HlsClass, video: HTMLVideoElement, source: PlayerSource, cb: EngineCallbacks): PlaybackEngine {
  const hls = new Hls({
    // Low-latency HLS (RFC 8216bis): blocking playlist reloads and parts when the playlist offers
    // them (EXT-X-SERVER-CONTROL, EXT-X-PART); a plain playlist plays as before. No
    // liveSyncDuration(Count) is set on purpose: given one, hls.js ignores PART-HOLD-BACK. Without,
    // an LL playlist is played PART-HOLD-BACK (three parts) behind its edge, and a plain one
    // liveSyncDurationCount's default of three segments behind, with their headroom for jitter.
    lowLatencyMode: true,
    // A film starts at its beginning (or where it was left), even while its playlist is still
    // an EVENT playlist that grows (hls.js would otherwise start it at the "live" edge).
    startPosition: source.live ? -1 : Math.max(0, source.startAt ?? 0),
    manifestLoadingMaxRetry: 1,
    levelLoadingMaxRetry: 4,
    fragLoadingMaxRetry: 4,
    enableWorker: true,
  })
  let mediaRecoveries = 0

  hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => {
    cb.onLevels(
      data.levels.map((level, index) => ({
        index,
        height: level.height || null,
        width: level.width || null,
        bitrate: level.bitrate || null,
        label: levelLabel(level.height || null, level.bitrate || null),
      })),
    )
    cb.onManifestReady()
  })
  hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => cb.onActiveLevel(data.level))
  const audioTracks = () =>
    cb.onAudioTracks(
      hls.audioTracks.map((track, index) => ({ index, label: trackLabel(track.name, track.lang, index, locale()), language: track.lang ?? '' })),
      hls.audioTrack,
    )
  const subtitleTracks = () =>
    cb.onSubtitleTracks(
      hls.subtitleTracks.map((track, index) => ({ index, label: trackLabel(track.name, track.lang, index, locale()), language: track.lang ?? '' })),
      hls.subtitleTrack,
    )
  hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, audioTracks)
  hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, audioTracks)
  hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, subtitleTracks)
  hls.on(Hls.Events.SUBTITLE_TRACK_SWITCH, subtitleTracks)
  hls.on(Hls.Events.LEVEL_LOADED, (_event, data) => {
    // An LL playlist: after a stall, catch up with the edge a little faster than real time
    // (plain HLS keeps playing at 1x, as it always did).
    hls.config.maxLiveSyncPlaybackRate = data.details.partTarget > 0 ? LL_CATCH_UP_RATE : 1
    // A live source whose playlist carries EXT-X-ENDLIST has finished.
    if (source.live && !data.details.live && video.currentTime === 0) cb.onFailure('ended', 'playlist ended')
  })
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
      mediaRecoveries += 1
      hls.recoverMediaError()
      return
    }
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      const status = data.response?.code
      const missing = status === 404 || status === 410 || data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR
      cb.onFailure(missing ? 'missing' : 'fatal', `${data.details}${status ? ` (${status})` : ''}`)
      return
    }
    cb.onFailure('fatal', data.details)
  })
  hls.loadSource(source.url)
  hls.attachMedia(video)

  return {
    name: 'hls.js',
    setLevel(index) {
      // currentLevel switches now (flushing the buffer); -1 hands control back to ABR.
      hls.currentLevel = index
    },
    setAudioTrack(index) {
      hls.audioTrack = index
    },
    setSubtitleTrack(index) {
      hls.subtitleDisplay = index !== NO_TRACK
      hls.subtitleTrack = index
    },
    liveEdge: () => hls.liveSyncPosition ?? seekableEnd(video),
    destroy: () => hls.destroy(),
  }
}

function createNativeEngine(video: HTMLVideoElement, source: PlayerSource, cb: EngineCallbacks): PlaybackEngine {
  // Safari lists HLS renditions as the element's own audio and text tracks.
  const media = video as HTMLVideoElement & { audioTracks?: ArrayLike<{ label: string; language: string; enabled: boolean }> & EventTarget }
  const subtitleList = () => Array.from(video.textTracks ?? []).filter((t) => t.kind === 'subtitles' || t.kind === 'captions')
  const reportTracks = () => {
    const audio = Array.from(media.audioTracks ?? [])
    cb.onAudioTracks(
      audio.map((t, index) => ({ index, label: trackLabel(t.label, t.language, index, locale()), language: t.language })),
      audio.findIndex((t) => t.enabled),
    )
    const text = subtitleList()
    cb.onSubtitleTracks(
      text.map((t, index) => ({ index, label: trackLabel(t.label, t.language, index, locale()), language: t.language })),
      text.findIndex((t) => t.mode === 'showing'),
    )
  }
  const onMeta = () => {
    reportTracks()
    cb.onManifestReady()
  }
  const onError = () => cb.onFailure(source.live ? 'missing' : 'fatal', video.error?.message || 'media error')
  video.addEventListener('loadedmetadata', onMeta)
  video.addEventListener('error', onError)
  video.textTracks?.addEventListener?.('addtrack', reportTracks)
  if (source.url) video.src = source.url
  if (!source.live && source.startAt) video.addEventListener('loadedmetadata', () => (video.currentTime = source.startAt!), { once: true })
  cb.onLevels([])
  return {
    name: 'native',
    setLevel: () => undefined, // Safari picks the level itself; the menu shows only Auto.
    setAudioTrack(index) {
      Array.from(media.audioTracks ?? []).forEach((t, i) => (t.enabled = i === index))
      reportTracks()
    },
    setSubtitleTrack(index) {
      subtitleList().forEach((t, i) => (t.mode = i === index ? 'showing' : 'disabled'))
      reportTracks()
    },
    liveEdge: () => seekableEnd(video),
    destroy() {
      video.removeEventListener('loadedmetadata', onMeta)
      video.removeEventListener('error', onError)
      video.textTracks?.removeEventListener?.('addtrack', reportTracks)
      video.removeAttribute('src')
      video.load()
    },
  }
}

interface DashRepresentation {
  index?: number
  absoluteIndex?: number
  qualityIndex?: number
  height?: number
  width?: number
  bandwidth?: number
  bitrate?: number
  bitrateInKbit?: number
}

async function createDashEngine(video: HTMLVideoElement, source: PlayerSource, cb: EngineCallbacks): Promise<PlaybackEngine> {
  const dashjs = await import('dashjs')
  const player = dashjs.MediaPlayer().create()
  // dash.js renamed its quality API between major versions; use what this build has.
  const anyPlayer = player as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>
  const representations = (): DashRepresentation[] =>
    (anyPlayer.getRepresentationsByType?.call(player, 'video') as DashRepresentation[] | undefined) ??
    (anyPlayer.getBitrateInfoListFor?.call(player, 'video') as DashRepresentation[] | undefined) ??
    []

  interface DashTrack {
    index?: number
    id?: string | null
    lang?: string | null
    labels?: Array<{ text: string; lang?: string }>
  }
  const tracksFor = (type: 'audio' | 'text'): DashTrack[] => (anyPlayer.getTracksFor?.call(player, type) as DashTrack[] | undefined) ?? []
  const toTrack = (t: DashTrack, index: number): MediaTrack => ({
    index,
    label: trackLabel(t.labels?.[0]?.text ?? undefined, t.lang ?? undefined, index, locale()),
    language: t.lang ?? '',
  })
  let textShown = NO_TRACK
  const reportTracks = () => {
    const audio = tracksFor('audio')
    const current = anyPlayer.getCurrentTrackFor?.call(player, 'audio') as DashTrack | null | undefined
    cb.onAudioTracks(
      audio.map(toTrack),
      audio.findIndex((t) => t === current || (current?.id != null && t.id === current.id)),
    )
    cb.onSubtitleTracks(tracksFor('text').map(toTrack), textShown)
  }

  const events = dashjs.MediaPlayer.events
  player.on(events.STREAM_INITIALIZED, () => {
    reportTracks()
    cb.onLevels(
      representations().map((r, i) => {
        const bitrate = r.bandwidth ?? r.bitrate ?? (r.bitrateInKbit ? r.bitrateInKbit * 1000 : null)
        return {
          index: r.absoluteIndex ?? r.qualityIndex ?? r.index ?? i,
          height: r.height ?? null,
          width: r.width ?? null,
          bitrate,
          label: levelLabel(r.height ?? null, bitrate),
        }
      }),
    )
    cb.onManifestReady()
  })
  player.on(events.ERROR, (event: unknown) => {
    const detail = JSON.stringify((event as { error?: unknown }).error ?? event).slice(0, 200)
    cb.onFailure(source.live ? 'missing' : 'fatal', detail)
  })
  player.on(events.PLAYBACK_ENDED, () => {
    if (source.live) cb.onFailure('ended', 'dash stream ended')
  })
  if (events.TEXT_TRACKS_ADDED) player.on(events.TEXT_TRACKS_ADDED, reportTracks)
  player.initialize(video, source.url, false, !source.live && source.startAt ? source.startAt : undefined)

  return {
    name: 'dash.js',
    setLevel(index) {
      const auto = index < 0
      player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: auto } } } })
      if (auto) return
      if (anyPlayer.setRepresentationForTypeByIndex) anyPlayer.setRepresentationForTypeByIndex.call(player, 'video', index, true)
      else anyPlayer.setQualityFor?.call(player, 'video', index, true)
    },
    setAudioTrack(index) {
      const track = tracksFor('audio')[index]
      if (track) anyPlayer.setCurrentTrack?.call(player, track)
      reportTracks()
    },
    setSubtitleTrack(index) {
      textShown = index
      anyPlayer.enableText?.call(player, index !== NO_TRACK)
      anyPlayer.setTextTrack?.call(player, index)
      reportTracks()
    },
    liveEdge: () => {
      const dvr = anyPlayer.getDvrWindow?.call(player) as { end?: number } | undefined
      return dvr?.end ?? seekableEnd(video)
    },
    destroy: () => player.destroy(),
  }
}
