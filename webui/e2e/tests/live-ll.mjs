// Low-latency HLS: app `fast` runs the live-ll template (CMAF parts, blocking playlist reload); the
// watch page's hls.js plays it in low-latency mode, close behind the playlist's live edge.
import { assert, waitFor } from '../harness.mjs'
import { createStreamKey, expectPlaying, needAuth, needLive, registerViaUi, server, shot, startPublishing, test, waitForLive } from '../support.mjs'

test('an LL-HLS stream plays in low-latency mode, under 3 s behind its live edge', async ({ page }) => {
  needAuth()
  needLive()
  await registerViaUi(page)
  const { key, stream } = await createStreamKey(page, 'Low latency')
  const publisher = startPublishing(`${server.rtmp.replace(/\/live$/, '/fast')}/${key}`, { seconds: 90, gop: 25 })
  // What hls.js asks for: blocking reloads of the media playlist, parts.
  const blocking = []
  const parts = []
  page.on('request', (r) => {
    const url = r.url()
    if (url.includes(`/media/fast/${stream}/`) && url.includes('_HLS_msn=')) blocking.push(url)
    if (/\/media\/fast\/.+-\d+\.\d+\.m4s$/.test(url)) parts.push(url)
  })
  try {
    const live = await waitForLive(stream, { what: publisher.stderr() })
    assert(live.playlist?.includes(`/media/fast/${stream}/index.m3u8`), `the master at the usual place: ${live.playlist}`)
    await page.goto(`/live/${stream}`)
    const state = await expectPlaying(page, 'the LL-HLS stream')
    assert(state.w === 320 && state.h === 180, `the published 320x180 picture: ${state.w}x${state.h}`)
    assert((await page.getByTestId('player').getAttribute('data-engine')) === 'hls.js', 'Chromium plays it through hls.js')
    // Behind the edge: the end of the newest part hls.js has (seekable end) minus what shows.
    const video = page.getByTestId('player-video')
    const behind = []
    for (let i = 0; i < 12; i += 1) {
      behind.push(await video.evaluate((v) => (v.seekable.length ? v.seekable.end(v.seekable.length - 1) - v.currentTime : 99)))
      await page.waitForTimeout(500)
    }
    behind.sort((a, b) => a - b)
    const median = behind[Math.floor(behind.length / 2)]
    const t1 = await video.evaluate((v) => v.currentTime)
    console.log(`    behind the live edge: median ${median.toFixed(2)} s (min ${behind[0].toFixed(2)}, max ${behind.at(-1).toFixed(2)}); ` +
      `${blocking.length} blocking reloads, ${parts.length} parts; t=${t1.toFixed(1)} s`)
    assert(t1 > state.t + 4, `playback advances (${state.t} -> ${t1})`)
    assert(median < 3, `under 3 s behind the live edge (median ${median.toFixed(2)} s of ${behind.map((b) => b.toFixed(2))})`)
    assert(blocking.length >= 3, `hls.js uses blocking playlist reload (_HLS_msn): ${blocking.slice(0, 3)}`)
    assert(parts.length >= 3, 'hls.js loads parts')
    await waitFor(async () => (await page.getByTestId('player-message').count()) === 0, { ms: 5000, what: 'no player message' })
    await shot(page, 'watch-low-latency')
  } finally {
    await publisher.stop()
  }
})
