#!/usr/bin/env node
// hls.js in Debian's Chromium playing a library item from a real `kek serve`, for the transcode
// integration tests (transcode_test.cpp). Prints one JSON line with what the player saw.
//
//   node hlsjs_play.mjs NODE_MODULES BASE_URL ITEM_ID SESSION_COOKIE MODE
//
// MODE progressive: plays the master from its start until 1.5 s have played, and says what the
//   catalogue and the first rung's playlist said at that moment (the job still running?).
// MODE renditions: lists the audio and subtitle tracks, switches to the second audio track and
//   plays on, switches subtitles on (the track whose language is $KEK_SUBTITLE_LANG) and reports
//   the cues it loaded.
// Never downloads a browser: /usr/bin/chromium or $KEK_CHROMIUM. Exits 77 (skipped) without it
// or without the node modules.
import { join } from 'node:path'

import { launchChromium, requireOrSkip } from '../../../tests/support/chromium.mjs'

const [nodeModules, base, itemId, cookie, mode] = process.argv.slice(2)
const HLSJS = join(nodeModules ?? '', 'hls.js/dist/hls.min.js')
if (!mode) {
  console.error('usage: hlsjs_play.mjs NODE_MODULES BASE_URL ITEM_ID SESSION_COOKIE progressive|renditions')
  process.exit(2)
}
requireOrSkip(nodeModules, [HLSJS])

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function waitFor(what, fn, ms) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

const browser = await launchChromium(nodeModules)
let result = {}
let code = 0
try {
  const context = await browser.newContext()
  if (cookie) await context.addCookies([{ name: 'kek_session', value: cookie, url: base }])
  const page = await context.newPage()
  const console_ = []
  page.on('console', (m) => { if (m.type() === 'error') console_.push(m.text()) })
  // A page of kek's own origin (its cookie goes with every media request; an unknown path is the
  // web UI's index.html), emptied for the player.
  // hls.js comes from that origin too (the web UI's Content-Security-Policy allows only its own
  // scripts, as it does for the web UI's bundled hls.js).
  await page.route('**/assets/**', (route) => route.abort())
  await page.route('**/hlsjs-test/hls.min.js', (route) =>
    route.fulfill({ path: HLSJS, contentType: 'text/javascript' }))
  await page.goto(new URL('/hlsjs-test-page', base).href)
  await page.setContent('<!doctype html><html><body><video id="v" muted playsinline></video></body></html>')
  await page.addScriptTag({ url: '/hlsjs-test/hls.min.js' })
  const item = await page.evaluate(async (id) => (await fetch(`/api/library/items/${id}`)).json(), itemId)
  if (!item.hls) throw new Error(`the item does not play yet: ${JSON.stringify(item)}`)
  await page.evaluate((src) => {
    window.errors = []
    window.switched = []
    const video = document.getElementById('v')
    // A film being packaged is an EVENT playlist: start at its beginning, not at the live edge.
    const hls = new Hls({ startPosition: 0, debug: false })
    hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) window.errors.push(`${d.type} ${d.details}`) })
    hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, (_, d) => window.switched.push(`audio ${d.id}`))
    hls.on(Hls.Events.SUBTITLE_TRACK_LOADED, (_, d) => window.switched.push(`subtitle ${d.id}`))
    hls.loadSource(src)
    hls.attachMedia(video)
    video.play().catch(() => {})
    window.hls = hls
  }, item.hls)
  const state = () => page.evaluate(() => {
    const v = document.getElementById('v')
    const tracks = [...v.textTracks].map((t) => ({ label: t.label, language: t.language, mode: t.mode,
      cues: t.cues ? [...t.cues].map((c) => c.text) : [] }))
    return { t: v.currentTime, errors: window.errors, switched: window.switched, levels: window.hls.levels.length,
      audio: window.hls.audioTracks.map((a) => ({ lang: a.lang, name: a.name })),
      subtitles: window.hls.subtitleTracks.map((s) => ({ lang: s.lang, name: s.name })), tracks }
  })
  const noErrors = async () => {
    const s = await state()
    if (s.errors.length) throw new Error(`hls.js: ${s.errors.join('; ')}`)
    return s
  }
  try {
    if (mode === 'progressive') {
      await waitFor('1.5 s played', async () => (await noErrors()).t > 1.5, 40000)
      // What was true while it played: the catalogue's status, the playlist's type.
      const now = await page.evaluate(async (id) => {
        const it = await (await fetch(`/api/library/items/${id}`)).json()
        const master = await (await fetch(it.hls)).text()
        const first = master.split('\n').find((l) => l && !l.startsWith('#'))
        const playlist = await (await fetch(new URL(first, new URL(it.hls, location.href)).href)).text()
        return { status: it.status, progress: it.progress, event: playlist.includes('#EXT-X-PLAYLIST-TYPE:EVENT'),
          ended: playlist.includes('#EXT-X-ENDLIST') }
      }, itemId)
      result = { ...(await state()), ...now }
    } else {
      await waitFor('the audio and subtitle tracks', async () => {
        const s = await noErrors()
        return s.audio.length >= 2 && s.subtitles.length >= 1 && s.t > 0.5
      }, 40000)
      const before = await state()
      await page.evaluate(() => { window.hls.audioTrack = 1 })
      await waitFor('the second audio track', async () => (await noErrors()).switched.includes('audio 1'), 20000)
      const t = (await state()).t
      await waitFor('playback going on after the switch', async () => (await noErrors()).t > t + 1, 20000)
      const lang = process.env.KEK_SUBTITLE_LANG ?? before.subtitles[0].lang
      const index = before.subtitles.findIndex((s) => s.lang === lang)
      await page.evaluate((i) => { window.hls.subtitleTrack = i }, index)
      const s = await waitFor('subtitle cues', async () => {
        const s = await noErrors()
        return s.tracks.some((tr) => tr.mode === 'showing' && tr.cues.length > 0) ? s : null
      }, 20000)
      result = { ...s, audio: before.audio, subtitles: before.subtitles, audioTrack: await page.evaluate(() => window.hls.audioTrack) }
    }
  } catch (e) {
    result = { error: e.message, state: await state().catch(() => null), console: console_.slice(-5) }
    code = 1
  }
} finally {
  await browser.close()
}
console.log(JSON.stringify(result))
process.exit(code)
