import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { globalMountOptions } from '@/shared/testing'

// A stand-in for hls.js: records what the player asks and lets the test fire its events.
interface FakeHlsInstance {
  handlers: Map<string, (e: string, d: unknown) => void>
  currentLevel: number
  src: string
  config: Record<string, unknown>
  audioTracks: Array<{ name: string; lang: string }>
  audioTrack: number
  subtitleTracks: Array<{ name: string; lang: string }>
  subtitleTrack: number
  subtitleDisplay: boolean
}
const hlsState = vi.hoisted(() => ({ instances: [] as FakeHlsInstance[] }))

vi.mock('hls.js', () => {
  class FakeHls {
    static Events = {
      MANIFEST_PARSED: 'manifestParsed',
      LEVEL_SWITCHED: 'levelSwitched',
      LEVEL_LOADED: 'levelLoaded',
      ERROR: 'error',
      AUDIO_TRACKS_UPDATED: 'audioTracksUpdated',
      AUDIO_TRACK_SWITCHED: 'audioTrackSwitched',
      SUBTITLE_TRACKS_UPDATED: 'subtitleTracksUpdated',
      SUBTITLE_TRACK_SWITCH: 'subtitleTrackSwitch',
    }
    static ErrorTypes = { NETWORK_ERROR: 'networkError', MEDIA_ERROR: 'mediaError' }
    static ErrorDetails = { MANIFEST_LOAD_ERROR: 'manifestLoadError' }
    static isSupported = () => true
    handlers = new Map<string, (e: string, d: unknown) => void>()
    currentLevel = -1
    src = ''
    liveSyncPosition = null
    audioTracks: Array<{ name: string; lang: string }> = []
    audioTrack = -1
    subtitleTracks: Array<{ name: string; lang: string }> = []
    subtitleTrack = -1
    subtitleDisplay = true
    constructor(public config: Record<string, unknown>) {
      hlsState.instances.push(this)
    }
    on(event: string, fn: (e: string, d: unknown) => void) {
      this.handlers.set(event, fn)
    }
    loadSource(url: string) {
      this.src = url
    }
    attachMedia() {}
    recoverMediaError() {}
    destroy() {}
  }
  return { default: FakeHls }
})

import VideoPlayer from './VideoPlayer.vue'

describe('VideoPlayer with hls.js', () => {
  beforeEach(() => {
    hlsState.instances.length = 0
    vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined)
    vi.spyOn(HTMLMediaElement.prototype, 'pause').mockImplementation(() => undefined)
  })

  it('loads the source and builds the quality menu from the manifest levels', async () => {
    const wrapper = mount(VideoPlayer, {
      props: { source: { url: '/media/live/show/index.m3u8', live: true } },
      global: globalMountOptions(),
      attachTo: document.body,
    })
    await flushPromises()
    const hls = hlsState.instances[0]!
    expect(hls.src).toBe('/media/live/show/index.m3u8')

    hls.handlers.get('manifestParsed')!('manifestParsed', {
      levels: [
        { height: 240, width: 426, bitrate: 400_000 },
        { height: 480, width: 854, bitrate: 1_200_000 },
        { height: 720, width: 1280, bitrate: 2_800_000 },
      ],
    })
    await flushPromises()
    await wrapper.get('[data-testid="quality-button"]').trigger('click')
    expect(wrapper.findAll('[data-testid="quality-option"]').map((o) => o.text())).toEqual(['Auto', '720p', '480p', '240p'])

    // Choosing 480p pins hls.js to that level (index 1 in manifest order).
    await wrapper.findAll('[data-testid="quality-option"]')[2]!.trigger('click')
    expect(hls.currentLevel).toBe(1)
    expect(HTMLMediaElement.prototype.play).toHaveBeenCalled()
    // The LIVE indicator appears once there is a picture.
    expect(wrapper.find('[data-testid="live-edge"]').exists()).toBe(false)
    wrapper.get('video').element.dispatchEvent(new Event('playing'))
    await flushPromises()
    expect(wrapper.get('[data-testid="player"]').attributes('data-status')).toBe('playing')
    expect(wrapper.find('[data-testid="live-edge"]').exists()).toBe(true)
    wrapper.unmount()
  })

  it('plays LL-HLS PART-HOLD-BACK behind the edge and catches up after a stall; plain HLS as before', async () => {
    const wrapper = mount(VideoPlayer, {
      props: { source: { url: '/media/live/show/index.m3u8', live: true } },
      global: globalMountOptions(),
    })
    await flushPromises()
    const hls = hlsState.instances[0]!
    expect(hls.config.lowLatencyMode).toBe(true)
    // Either would make hls.js ignore PART-HOLD-BACK (its own default of 3 segments stays for plain HLS).
    expect(hls.config.liveSyncDurationCount).toBeUndefined()
    expect(hls.config.liveSyncDuration).toBeUndefined()
    const loaded = hls.handlers.get('levelLoaded')!
    loaded('levelLoaded', { details: { live: true, partTarget: 0.5 } })
    expect(hls.config.maxLiveSyncPlaybackRate).toBe(1.25)
    loaded('levelLoaded', { details: { live: true, partTarget: 0 } })
    expect(hls.config.maxLiveSyncPlaybackRate).toBe(1)
    wrapper.unmount()
  })

  it('says the stream has not started when its playlist is missing, and retries', async () => {
    vi.useFakeTimers()
    const wrapper = mount(VideoPlayer, {
      props: { source: { url: '/media/live/later/index.m3u8', live: true } },
      global: globalMountOptions(),
    })
    await flushPromises()
    hlsState.instances[0]!.handlers.get('error')!('error', {
      fatal: true,
      type: 'networkError',
      details: 'manifestLoadError',
      response: { code: 404 },
    })
    await flushPromises()
    expect(wrapper.get('[data-testid="player-message"]').text()).toContain('This stream has not started yet')
    expect(wrapper.get('[data-testid="player"]').attributes('data-status')).toBe('offline')

    await vi.advanceTimersByTimeAsync(2500)
    expect(hlsState.instances).toHaveLength(2)
    vi.useRealTimers()
    wrapper.unmount()
  })

  it('plays a film from its start (not the "live" edge of a growing playlist) with audio and subtitle menus', async () => {
    localStorage.clear()
    const wrapper = mount(VideoPlayer, {
      props: { source: { url: '/media/vod/abc/hls/master.m3u8', startAt: 0 }, duration: 120, autoplay: false },
      global: globalMountOptions(),
      attachTo: document.body,
    })
    await flushPromises()
    const hls = hlsState.instances[0]!
    expect(hls.config.startPosition).toBe(0)
    expect(wrapper.find('[data-testid="audio-button"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="subtitles-button"]').exists()).toBe(false)
    // A film has a seek bar and its length, even before the media element knows it.
    expect(wrapper.get('[data-testid="seek-bar"]').attributes('aria-valuemax')).toBe('120')
    expect(wrapper.get('[data-testid="player-time"]').text()).toBe('0:00 / 2:00')

    hls.audioTracks = [
      { name: 'English', lang: 'en' },
      { name: '', lang: 'ru' },
    ]
    hls.audioTrack = 0
    hls.handlers.get('audioTracksUpdated')!('audioTracksUpdated', {})
    hls.subtitleTracks = [{ name: 'English', lang: 'en' }]
    hls.handlers.get('subtitleTracksUpdated')!('subtitleTracksUpdated', {})
    await flushPromises()

    await wrapper.get('[data-testid="audio-button"]').trigger('click')
    expect(wrapper.findAll('[data-testid="audio-option"]').map((o) => o.text())).toEqual(['English', 'Russian'])
    await wrapper.findAll('[data-testid="audio-option"]')[1]!.trigger('click')
    expect(hls.audioTrack).toBe(1)

    await wrapper.get('[data-testid="subtitles-button"]').trigger('click')
    expect(wrapper.findAll('[data-testid="subtitles-option"]').map((o) => o.text())).toEqual(['Off', 'English'])
    await wrapper.findAll('[data-testid="subtitles-option"]')[1]!.trigger('click')
    expect(hls.subtitleTrack).toBe(0)
    expect(hls.subtitleDisplay).toBe(true)
    // The choice is remembered for the next film.
    expect(localStorage.getItem('kek.player.subtitles')).toBe('en')
    wrapper.unmount()
  })

  it('a live source still starts at the live edge', async () => {
    mount(VideoPlayer, { props: { source: { url: '/media/live/x/index.m3u8', live: true } }, global: globalMountOptions() })
    await flushPromises()
    expect(hlsState.instances[0]!.config.startPosition).toBe(-1)
  })

  it('an audio-only film keeps its poster on screen', async () => {
    const wrapper = mount(VideoPlayer, {
      props: { source: { url: '/media/vod/a/hls/master.m3u8' }, poster: '/media/vod/a/poster.jpg', audioOnly: true },
      global: globalMountOptions(),
    })
    await flushPromises()
    expect(wrapper.get('[data-testid="player-audio-poster"]').attributes('src')).toBe('/media/vod/a/poster.jpg')
    wrapper.unmount()
  })
})
