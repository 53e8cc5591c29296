// Real time: the watch page's "Real time" plays a live stream over WebRTC (WHEP) instead of HLS.
import { assert, waitFor } from '../harness.mjs'
import { createStreamKey, needAuth, needLive, registerViaUi, server, shot, startPublishing, test, waitForLive } from '../support.mjs'

test('"Real time" plays the stream over WebRTC, and Back to HLS returns to the player', async ({ page }) => {
  needAuth()
  needLive()
  await registerViaUi(page)
  const { key, stream } = await createStreamKey(page, 'Real time')
  const publisher = startPublishing(`${server.rtmp}/${key}`)
  try {
    await waitForLive(stream, { what: publisher.stderr() })
    await page.goto(`/live/${stream}`)
    await page.getByTestId('watch-format-realtime').click({ timeout: 20_000 })
    await page.waitForURL('**format=realtime', { timeout: 10_000 })
    const video = page.getByTestId('realtime-video')
    const state = () => video.evaluate((v) => ({ w: v.videoWidth, h: v.videoHeight, t: v.currentTime, src: v.srcObject !== null }))
    const first = await waitFor(async () => { const s = await state(); return s.w > 0 && s.t > 0 ? s : null },
      { ms: 30_000, what: 'the real-time video shows a picture' })
    assert(first.w === 320 && first.h === 180, `the published 320x180 picture: ${JSON.stringify(first)}`)
    await waitFor(async () => (await state()).t >= first.t + 1.5, { ms: 20_000, what: 'real-time playback advances' })
    assert((await page.getByTestId('realtime-error').count()) === 0, 'no error shown')
    await shot(page, 'watch-realtime')
    await page.getByTestId('watch-format-hls').click()
    await page.getByTestId('player').waitFor({ timeout: 10_000 })
    assert((await video.count()) === 0, 'the HLS player replaces the real-time video')
  } finally {
    await publisher.stop()
  }
})
