// Drives one <video>: picks an engine, tracks status and the quality ladder, and keeps retrying
// a live source that is missing or has ended, so it starts playing by itself when it (re)appears.
import { computed, onBeforeUnmount, ref, shallowRef, watch } from 'vue'
import type { Ref } from 'vue'
import { createEngine } from './engines'
import type { EngineFailure, PlaybackEngine } from './engines'
import { AUTO_LEVEL, NO_TRACK, levelLabel } from './types'
import type { MediaTrack, PlayerSource, PlayerStatus, QualityLevel } from './types'
import { readSetting, writeSetting } from '@/shared/lib'

/** The subtitle language last chosen ("off" for none), applied to the next film that has it. */
const SUBTITLES_KEY = 'kek.player.subtitles'

/** Seconds behind the live edge before we say "behind live" (about two HLS segments). */
const LIVE_TOLERANCE_S = 6
const RETRY_DELAYS_MS = [2000, 3000, 5000, 8000, 10000]

export function usePlayback(video: Ref<HTMLVideoElement | null>, source: Ref<PlayerSource | null>, autoplay: Ref<boolean>) {
  const status = ref<PlayerStatus>('idle')
  const levels = ref<QualityLevel[]>([])
  const selectedLevel = ref(AUTO_LEVEL)
  const activeLevel = ref<number | null>(null)
  const audioTracks = ref<MediaTrack[]>([])
  const activeAudio = ref(NO_TRACK)
  const subtitleTracks = ref<MediaTrack[]>([])
  const activeSubtitle = ref(NO_TRACK)
  let subtitlePreferenceApplied = false
  const failureDetail = ref('')
  const engineName = ref<PlaybackEngine['name'] | null>(null)
  const behindLive = ref(false)
  /** Seconds behind the live edge (0 at the edge), and how far back the live window reaches. */
  const secondsBehind = ref(0)
  const liveWindow = ref<{ start: number; edge: number } | null>(null)
  /** The browser refused sound without a click, so we started muted; the UI offers to unmute. */
  const autoMuted = ref(false)
  const isLive = computed(() => Boolean(source.value?.live))
  const engine = shallowRef<PlaybackEngine | null>(null)

  let hasPlayed = false
  let retryAttempt = 0
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let generation = 0 // ignores callbacks from an engine we already replaced

  function teardown() {
    clearTimeout(retryTimer)
    engine.value?.destroy()
    engine.value = null
    engineName.value = null
  }

  function scheduleRetry() {
    clearTimeout(retryTimer)
    const delay = RETRY_DELAYS_MS[Math.min(retryAttempt, RETRY_DELAYS_MS.length - 1)]!
    retryAttempt += 1
    retryTimer = setTimeout(() => void start(), delay)
  }

  function onFailure(kind: EngineFailure, detail: string) {
    failureDetail.value = detail
    if (kind === 'fatal' && !isLive.value) {
      status.value = 'error'
      teardown()
      return
    }
    // Live: whatever went wrong, the stream may come back. Say what we know and keep asking.
    status.value = kind === 'ended' || hasPlayed ? 'ended' : kind === 'missing' ? 'offline' : 'error'
    teardown()
    scheduleRetry()
  }

  async function tryPlay(el: HTMLVideoElement) {
    try {
      await el.play()
    } catch (err) {
      // Browsers refuse sound without a click; start muted rather than not at all.
      if (err instanceof DOMException && err.name === 'NotAllowedError') {
        el.muted = true
        autoMuted.value = true
        await el.play().catch(() => (status.value = 'paused'))
      }
    }
  }

  async function start() {
    const el = video.value
    const src = source.value
    teardown()
    if (!el || !src) {
      status.value = 'idle'
      return
    }
    const mine = ++generation
    if (status.value !== 'offline' && status.value !== 'ended') status.value = 'loading'
    const created = await createEngine(el, src, {
      onLevels: (list) => {
        if (mine === generation) levels.value = list
      },
      onActiveLevel: (index) => {
        if (mine === generation) activeLevel.value = index
      },
      onAudioTracks: (tracks, active) => {
        if (mine !== generation) return
        audioTracks.value = tracks
        activeAudio.value = active
      },
      onSubtitleTracks: (tracks, active) => {
        if (mine !== generation) return
        subtitleTracks.value = tracks
        activeSubtitle.value = active
        applySubtitlePreference()
      },
      onManifestReady: () => {
        if (mine !== generation) return
        if (selectedLevel.value !== AUTO_LEVEL) engine.value?.setLevel(selectedLevel.value)
        if (autoplay.value || hasPlayed) void tryPlay(el)
      },
      onFailure: (kind, detail) => {
        if (mine === generation) onFailure(kind, detail)
      },
    })
    if (mine !== generation) {
      created.destroy()
      return
    }
    engine.value = created
    engineName.value = created.name
    applySubtitlePreference()
  }

  function applySubtitlePreference() {
    if (subtitlePreferenceApplied || subtitleTracks.value.length === 0 || !engine.value) return
    subtitlePreferenceApplied = true
    const wanted = readSetting(SUBTITLES_KEY)
    if (!wanted) return
    const index = wanted === 'off' ? NO_TRACK : subtitleTracks.value.findIndex((t) => t.language === wanted)
    if (index === NO_TRACK ? activeSubtitle.value !== NO_TRACK : index >= 0 && index !== activeSubtitle.value) {
      engine.value.setSubtitleTrack(index)
      activeSubtitle.value = index
    }
  }

  function selectAudio(index: number) {
    activeAudio.value = index
    engine.value?.setAudioTrack(index)
  }

  function selectSubtitle(index: number) {
    activeSubtitle.value = index
    engine.value?.setSubtitleTrack(index)
    const track = subtitleTracks.value[index]
    writeSetting(SUBTITLES_KEY, index === NO_TRACK ? 'off' : track?.language || '')
  }

  function selectLevel(index: number) {
    selectedLevel.value = index
    engine.value?.setLevel(index)
  }

  /** Live: seek to `seconds` within the live window (rewind), clamped to what exists. */
  function seekLive(seconds: number) {
    const el = video.value
    const w = liveWindow.value
    if (!el || !w) return
    el.currentTime = Math.min(w.edge - 1, Math.max(w.start, seconds))
    void tryPlay(el)
  }

  function goLive() {
    const el = video.value
    const edge = engine.value?.liveEdge()
    if (!el || edge == null) return
    el.currentTime = Math.max(0, edge - 1)
    void tryPlay(el)
  }

  // Media element events tell us what is really on screen.
  function bindMediaEvents(el: HTMLVideoElement) {
    const on = (name: string, fn: () => void) => el.addEventListener(name, fn)
    on('playing', () => {
      hasPlayed = true
      retryAttempt = 0
      status.value = 'playing'
    })
    on('pause', () => {
      if (status.value === 'playing' || status.value === 'buffering') status.value = 'paused'
    })
    on('waiting', () => {
      if (status.value === 'playing') status.value = 'buffering'
    })
    on('ended', () => {
      if (isLive.value) onFailure('ended', 'media ended')
    })
    // A plain media playlist (no master, so no ladder) says nothing about its size; the decoded
    // picture does. Fill it in so the menu reads "720p" rather than "?".
    const fillSingleLevel = () => {
      const only = levels.value.length === 1 ? levels.value[0]! : null
      if (only && !only.height && el.videoHeight > 0) {
        levels.value = [{ ...only, height: el.videoHeight, width: el.videoWidth, label: levelLabel(el.videoHeight, only.bitrate) }]
      }
    }
    on('loadedmetadata', fillSingleLevel)
    on('resize', fillSingleLevel)
    on('timeupdate', () => {
      const edge = isLive.value ? engine.value?.liveEdge() : null
      behindLive.value = edge != null && edge - el.currentTime > LIVE_TOLERANCE_S
      secondsBehind.value = edge != null ? Math.max(0, edge - el.currentTime) : 0
      const seekable = el.seekable
      liveWindow.value =
        edge != null && seekable && seekable.length > 0 ? { start: seekable.start(0), edge: Math.max(edge, seekable.start(0)) } : null
    })
  }

  watch(
    video,
    (el) => {
      if (el) bindMediaEvents(el)
    },
    { immediate: true },
  )

  // (Re)start when the element mounts or the address changes; not on every source object change.
  watch(
    [video, () => source.value?.url],
    () => {
      hasPlayed = false
      retryAttempt = 0
      levels.value = []
      activeLevel.value = null
      audioTracks.value = []
      subtitleTracks.value = []
      activeAudio.value = NO_TRACK
      activeSubtitle.value = NO_TRACK
      subtitlePreferenceApplied = false
      selectedLevel.value = AUTO_LEVEL
      status.value = 'idle'
      void start()
    },
    { immediate: true },
  )

  onBeforeUnmount(() => {
    generation += 1
    teardown()
  })

  return {
    status,
    levels,
    selectedLevel,
    activeLevel,
    audioTracks,
    activeAudio,
    subtitleTracks,
    activeSubtitle,
    failureDetail,
    engineName,
    behindLive,
    secondsBehind,
    liveWindow,
    autoMuted,
    isLive,
    start,
    selectLevel,
    selectAudio,
    selectSubtitle,
    goLive,
    seekLive,
  }
}
