// Live: the demo stream, a stream that cannot exist, publishing with ffmpeg (HLS ladder, DASH).
import { spawn } from 'node:child_process'
import { assert, getJson, waitFor } from '../harness.mjs'
import { expectPlaying, needAuth, needLive, registerViaUi, server, shot, test } from '../support.mjs'

test('the demo stream plays on its watch page', async ({ page }) => {
  await page.goto('/live')
  // Other tests' streams may be live beside it (the e2e server is shared): the demo's own card.
  await page.locator('[data-testid="live-card"][href$="/live/demo"]').click()
  await page.waitForURL('**/live/demo', { timeout: 10_000 })
  const state = await expectPlaying(page, 'demo stream')
  assert((await page.getByTestId('player').getAttribute('data-engine')) === 'hls.js', 'Chromium plays HLS through hls.js')
  await page.getByTestId('quality-button').click()
  const options = await page.getByTestId('quality-option').allTextContents()
  assert(options[0]?.startsWith('Auto'), `quality menu starts with Auto: ${options}`)
  await page.keyboard.press('Escape')
  await page.getByTestId('player').hover()
  await shot(page, 'watch-demo')
  console.log(`    video ${state.w}x${state.h}, t=${state.t.toFixed(1)} s`)
})

test('a stream no account or key has says there is no such channel', async ({ page }) => {
  await page.goto('/live/nobody-here')
  const message = page.getByTestId('player-message')
  await waitFor(async () => (await message.textContent().catch(() => ''))?.includes('No such channel'), { ms: 15_000, what: 'the player says "No such channel"' })
  assert((await page.getByTestId('watch-title').textContent()).includes('No such channel'), 'the title says it too')
  assert((await page.locator('.retrying').count()) === 0, 'no spinner waits for a stream that cannot exist')
  assert((await page.getByTestId('live-badge').count()) === 0, 'no LIVE badge')
  await shot(page, 'watch-nosuch')
})

test('create a stream key, publish with ffmpeg, watch it live with the quality ladder', async ({ page }) => {
  needAuth()
  needLive()
  await registerViaUi(page)
  await page.goto('/studio')
  await page.getByTestId('stream-key-name').fill('E2E show')
  await page.getByTestId('stream-key-create').click()
  await page.getByTestId('obs-key').waitFor({ timeout: 10_000 })
  const rtmpServer = await page.getByTestId('obs-server').inputValue()
  const key = await page.getByTestId('obs-key').inputValue()
  assert(/^rtmp:\/\/127\.0\.0\.1:\d+\/live$/.test(rtmpServer), `OBS server: ${rtmpServer}`)
  assert(key.length >= 8, 'a full stream key is shown once')
  await shot(page, 'studio')
  // The owner asks for recordings; the choice is saved on the server (seen after a reload).
  await page.getByTestId('stream-key-record').first().check()
  await waitFor(
    async () => (await page.evaluate(() => fetch('/api/me/stream-keys').then((r) => r.json())))[0]?.record === true,
    { ms: 10_000, what: 'record saved on the key' },
  )
  await page.reload()
  assert(await page.getByTestId('stream-key-record').first().isChecked(), 'record is still on after a reload')

  const ffmpeg = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
      '-t', '60', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '50', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', `${rtmpServer}/${key}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let ffmpegErr = ''
  ffmpeg.stderr.on('data', (d) => (ffmpegErr += d))
  try {
    // This user's own stream (streams of earlier tests may still be listed in their grace period).
    const mine = (await page.evaluate(() => fetch('/api/me/stream-keys').then((r) => r.json())))[0]?.stream
    const live = await waitFor(async () => (await getJson(`${server.url}/api/live`)).body?.find?.((s) => s.stream === mine && s.playlist), { ms: 30_000, what: `the stream in /api/live (ffmpeg: ${ffmpegErr.slice(-300)})` })
    await page.goto('/live')
    await page.getByTestId('live-card').first().waitFor({ timeout: 15_000 })
    // The card's preview: kekthumbnailsink wrote the first keyframe, /api/live names it (the page
    // polls every 10 s, so a picture written after this load still shows within the wait).
    await waitFor(
      () => page.evaluate(() => {
        const img = document.querySelector('[data-testid="live-card-thumbnail"]')
        return img && img.complete && img.naturalWidth > 0 ? img.naturalWidth : 0
      }),
      { ms: 15_000, what: 'the live card thumbnail loaded' },
    )
    await shot(page, 'live-with-stream')
    await page.goto(`/live/${live.stream}`)
    // The card's thumbnail exists by now: the player shows it as its poster while it loads.
    await waitFor(async () => (await page.getByTestId('player-video').getAttribute('poster'))?.includes('/thumb.jpg'), {
      ms: 10_000,
      what: 'the stream thumbnail as the player poster',
    })
    await expectPlaying(page, 'published stream')
    await page.getByTestId('quality-button').click()
    const options = await page.getByTestId('quality-option').allTextContents()
    assert(options.length >= 2 && options[0].startsWith('Auto') && options.slice(1).every((o) => /\d+p|b\/s/.test(o)), `quality ladder: ${options}`)
    await shot(page, 'watch')
  } finally {
    ffmpeg.kill('SIGTERM')
  }
})

test('a ladder stream plays with DASH (dash.js) from its watch page', async ({ page }) => {
  needAuth()
  needLive()
  await registerViaUi(page)
  const created = await page.evaluate(async () => {
    const session = await fetch('/api/auth/session').then((r) => r.json())
    const r = await fetch('/api/me/stream-keys', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token },
      body: JSON.stringify({ name: 'DASH test' }),
    })
    return r.json()
  })
  assert(created.key && created.stream, `stream key: ${JSON.stringify(created)}`)
  const rtmpApp = `${server.rtmp.replace(/\/live$/, '')}/abr`
  const ffmpeg = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=330',
      '-t', '60', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '50', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', `${rtmpApp}/${created.key}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let ffmpegErr = ''
  ffmpeg.stderr.on('data', (d) => (ffmpegErr += d))
  try {
    const live = await waitFor(
      async () => (await getJson(`${server.url}/api/live`)).body?.find?.((s) => s.stream === created.stream && s.dash),
      { ms: 30_000, what: `the stream with a DASH manifest in /api/live (ffmpeg: ${ffmpegErr.slice(-300)})` },
    )
    assert(live.dash.endsWith('/dash/manifest.mpd'), `dash URL: ${live.dash}`)
    await page.goto(`/live/${live.stream}`)
    await page.getByTestId('watch-format-dash').click()
    await page.waitForURL(/format=dash/)
    await expectPlaying(page, 'the DASH stream')
    const engine = await page.locator('[data-engine]').first().getAttribute('data-engine')
    assert(engine === 'dash.js', `played by dash.js (engine: ${engine})`)
    const segments = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.m4s')).length)
    assert(segments > 0, 'fMP4 segments were fetched')
    await shot(page, 'watch-dash')
  } finally {
    ffmpeg.kill('SIGTERM')
  }
})
