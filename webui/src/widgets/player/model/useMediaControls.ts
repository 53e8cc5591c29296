// Play/pause, volume, seeking, fullscreen and picture-in-picture for one <video> and its frame.
import { onBeforeUnmount, onMounted, ref, watch } from 'vue'
import type { Ref } from 'vue'
import { readSetting, writeSetting } from '@/shared/lib'

const VOLUME_KEY = 'kek.player.volume'

export function useMediaControls(video: Ref<HTMLVideoElement | null>, frame: Ref<HTMLElement | null>) {
  const paused = ref(true)
  const muted = ref(false)
  const volume = ref(Number(readSetting(VOLUME_KEY) ?? '1'))
  const currentTime = ref(0)
  /** The element's duration when it knows one (a growing EVENT playlist may say Infinity). */
  const duration = ref(0)
  /** How far one can seek now, and how far is buffered from the current position. */
  const seekableEnd = ref<number | null>(null)
  const bufferedEnd = ref(0)
  const isFullscreen = ref(false)
  const isPip = ref(false)
  const pipSupported = ref(false)

  function sync() {
    const el = video.value
    if (!el) return
    paused.value = el.paused
    muted.value = el.muted
    volume.value = el.volume
    currentTime.value = el.currentTime
    duration.value = Number.isFinite(el.duration) ? el.duration : 0
    const seekable = el.seekable
    seekableEnd.value = seekable && seekable.length > 0 ? seekable.end(seekable.length - 1) : null
    const buffered = el.buffered
    let end = 0
    for (let i = 0; buffered && i < buffered.length; i++) {
      if (buffered.start(i) <= el.currentTime + 0.5 && buffered.end(i) > end) end = buffered.end(i)
    }
    bufferedEnd.value = end
  }

  function togglePlay() {
    const el = video.value
    if (!el) return
    if (el.paused) void el.play().catch(() => undefined)
    else el.pause()
  }

  function setVolume(value: number) {
    const el = video.value
    if (!el) return
    el.volume = Math.min(1, Math.max(0, value))
    el.muted = el.volume === 0
    writeSetting(VOLUME_KEY, String(el.volume))
  }

  function toggleMute() {
    const el = video.value
    if (!el) return
    el.muted = !el.muted
    // Unmuting at zero volume would still be silent.
    if (!el.muted && el.volume === 0) el.volume = 0.5
  }

  function seekTo(seconds: number) {
    const el = video.value
    if (!el || !Number.isFinite(seconds)) return
    el.currentTime = Math.max(0, seconds)
    currentTime.value = el.currentTime
  }

  function seekBy(seconds: number) {
    const el = video.value
    if (!el) return
    const ranges = el.seekable
    const min = ranges.length ? ranges.start(0) : 0
    const max = ranges.length ? ranges.end(ranges.length - 1) : el.duration || 0
    el.currentTime = Math.min(max, Math.max(min, el.currentTime + seconds))
  }

  async function toggleFullscreen() {
    try {
      if (document.fullscreenElement) await document.exitFullscreen()
      else await frame.value?.requestFullscreen()
    } catch {
      // iPhone Safari has fullscreen only on the video itself.
      const el = video.value as (HTMLVideoElement & { webkitEnterFullscreen?: () => void }) | null
      el?.webkitEnterFullscreen?.()
    }
  }

  async function togglePip() {
    const el = video.value
    if (!el) return
    try {
      if (document.pictureInPictureElement) await document.exitPictureInPicture()
      else await el.requestPictureInPicture()
    } catch {
      // Not allowed now (no video frame yet); the button stays, nothing breaks.
    }
  }

  const onFullscreenChange = () => (isFullscreen.value = document.fullscreenElement === frame.value)

  watch(
    video,
    (el) => {
      if (!el) return
      el.volume = Number.isFinite(volume.value) ? Math.min(1, Math.max(0, volume.value)) : 1
      for (const name of ['play', 'pause', 'volumechange', 'timeupdate', 'loadedmetadata', 'durationchange', 'progress', 'seeking']) el.addEventListener(name, sync)
      el.addEventListener('enterpictureinpicture', () => (isPip.value = true))
      el.addEventListener('leavepictureinpicture', () => (isPip.value = false))
      pipSupported.value = 'pictureInPictureEnabled' in document && Boolean(document.pictureInPictureEnabled)
    },
    { immediate: true },
  )
  onMounted(() => document.addEventListener('fullscreenchange', onFullscreenChange))
  onBeforeUnmount(() => document.removeEventListener('fullscreenchange', onFullscreenChange))

  return {
    paused,
    muted,
    volume,
    currentTime,
    duration,
    seekableEnd,
    bufferedEnd,
    isFullscreen,
    isPip,
    pipSupported,
    togglePlay,
    setVolume,
    toggleMute,
    seekBy,
    seekTo,
    toggleFullscreen,
    togglePip,
  }
}
