#!/usr/bin/env node
// End-to-end tests of the web UI against a real `kek serve` and Debian's Chromium.
//
//   node e2e/run.mjs                 run every test (npm run test:e2e)
//   node e2e/run.mjs --only russian  run tests whose name contains "russian"
//   node e2e/run.mjs --update-docs   also copy the screenshots to ../docs/screenshots/
//
// KEK_BIN overrides the kek binary (default ../build/core/kek). Ends with one line:
// "e2e: N passed, N failed, N skipped"; exits non-zero when a test failed.
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'
import { Skip, assert, getJson, hasCommand, launchBrowser, skip, startKek, waitFor, withTimeout } from './harness.mjs'

const WEBUI = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const KEK_BIN = resolve(process.env.KEK_BIN ?? join(WEBUI, '..', 'build', 'core', 'kek'))
const DIST = join(WEBUI, 'dist')
const ARTIFACTS = join(WEBUI, 'e2e', 'artifacts')
const DOCS_SHOTS = join(WEBUI, '..', 'docs', 'screenshots')
const TEST_TIMEOUT_MS = 90_000
// The auth plugin creates the first admin account ("admin") with this password when it is set.
const ADMIN = { username: 'admin', password: process.env.KEK_ADMIN_PASSWORD || 'e2e admin password 7' }
// Point the tests at a kek that is already running (its 127.0.0.1 URL) instead of starting one.
const EXISTING_URL = process.env.KEK_E2E_URL?.replace(/\/$/, '') ?? null
const RUN_TIMEOUT_MS = 10 * 60_000

const argv = process.argv.slice(2)
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]?.toLowerCase() : null
const updateDocs = argv.includes('--update-docs')

function summary(passed, failed, skipped) {
  console.log(`e2e: ${passed} passed, ${failed} failed, ${skipped} skipped`)
}

// ---------------------------------------------------------------------------------------------
// The tests. Each gets a fresh browser context (no cookies, no storage) and a page.

const tests = []
const test = (name, fn, options = {}) => tests.push({ name, fn, ...options })

/** Facts about the server, probed once before the tests: which plugins answer. */
const server = { url: '', authAvailable: false, liveAvailable: false, rtmp: null }

function needAuth() {
  if (!server.authAvailable) skip('auth plugin not installed: GET /api/auth/session is 404')
}

function needLive() {
  if (!server.liveAvailable) skip('live listing not available: GET /api/live is 404 (rtmp plugin not installed yet)')
  if (!server.rtmp) skip('no RTMP endpoint in /api/health endpoints.rtmp')
  if (!hasCommand('ffmpeg')) skip('ffmpeg is not installed')
}

async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) })
}

const NAV_EN = { live: 'Live', library: 'Library', poster: 'Poster', history: 'History', studio: 'Studio' }
const NAV_RU = { live: 'Эфир', library: 'Фильмотека', poster: 'Афиша', history: 'История', studio: 'Студия' }

async function navLabels(page) {
  const labels = {}
  for (const id of Object.keys(NAV_EN)) labels[id] = (await page.getByTestId(`nav-${id}`).first().textContent())?.trim()
  return labels
}

/** Waits until the player's <video> is really playing: time advances and a frame has a size. */
async function expectPlaying(page, what) {
  const video = page.getByTestId('player-video')
  await waitFor(() => video.evaluate((v) => v.currentTime > 0.5 && v.videoWidth > 0), { ms: 30_000, what: `${what} to start playing` })
  const first = await video.evaluate((v) => v.currentTime)
  await page.waitForTimeout(2500)
  const state = await video.evaluate((v) => ({ t: v.currentTime, w: v.videoWidth, h: v.videoHeight, paused: v.paused }))
  assert(state.t > first + 1, `${what}: currentTime should advance (was ${first}, now ${state.t})`)
  assert(state.w > 0 && state.h > 0, `${what}: videoWidth should be > 0 (got ${state.w}x${state.h})`)
  assert(!state.paused, `${what}: video should not be paused`)
  return state
}

test('the shell renders with navigation', async ({ page }) => {
  await page.goto('/live')
  await page.getByTestId('main-nav').first().waitFor({ timeout: 10_000 })
  const labels = await navLabels(page)
  assert(JSON.stringify(labels) === JSON.stringify(NAV_EN), `nav labels: ${JSON.stringify(labels)}`)
  // Without accounts the admin page is open; with them it is for admins only.
  const adminLinks = await page.getByTestId('nav-admin').count()
  assert(server.authAvailable || adminLinks > 0, 'Admin link visible on a server without accounts')
  await page.getByTestId('live-card').first().waitFor({ timeout: 15_000 })
  assert((await page.title()).includes('KEK'), 'document title mentions KEK')
  await shot(page, 'live')
})

test('switching to Russian changes the navigation labels, and it is remembered', async ({ page }) => {
  await page.goto('/live')
  await page.getByTestId('locale-switch').selectOption('ru')
  await waitFor(async () => (await navLabels(page)).live === NAV_RU.live, { what: 'Russian nav labels' })
  const labels = await navLabels(page)
  assert(JSON.stringify(labels) === JSON.stringify(NAV_RU), `Russian nav labels: ${JSON.stringify(labels)}`)
  assert((await page.locator('html').getAttribute('lang')) === 'ru', 'html lang is ru')
  await page.reload()
  await page.getByTestId('main-nav').first().waitFor()
  assert((await navLabels(page)).live === NAV_RU.live, 'Russian survives a reload')
  await page.getByTestId('live-card').first().waitFor({ timeout: 15_000 })
  await shot(page, 'live-ru')
})

test('the browser language picks Russian on the first visit', async ({ page }) => {
  await page.goto('/library')
  await waitFor(async () => (await navLabels(page)).library === NAV_RU.library, { what: 'Russian from Accept-Language' })
}, { locale: 'ru-RU' })

test('Admin lists the demo pipeline as running and shows its graph', async ({ page, context }) => {
  if (server.authAvailable) await becomeAdminOrSkip(page, context)
  await page.goto('/admin')
  const card = page.getByTestId('pipeline-demo')
  await card.waitFor({ timeout: 15_000 })
  await waitFor(async () => (await card.getByTestId('pipeline-state').getAttribute('data-state')) === 'running', { what: 'demo pipeline running' })
  const graph = card.getByTestId('pipeline-graph')
  await graph.waitFor({ timeout: 15_000 })
  await waitFor(() => graph.evaluate((img) => img.complete && img.naturalWidth > 0), { ms: 20_000, what: 'graph.svg to load' })
  await shot(page, 'admin')
})

test('the demo stream plays on its watch page', async ({ page }) => {
  await page.goto('/live')
  await page.getByTestId('live-card').first().click()
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

test('a stream that has not started says so', async ({ page }) => {
  await page.goto('/live/nobody-here')
  const message = page.getByTestId('player-message')
  await message.waitFor({ timeout: 15_000 })
  const text = await message.textContent()
  assert(text.includes('has not started yet'), `message: ${text}`)
  await shot(page, 'watch-offline')
})

test('the Library page says coming soon', async ({ page }) => {
  await page.goto('/library')
  const box = page.getByTestId('coming-soon')
  await box.waitFor({ timeout: 10_000 })
  const text = await box.textContent()
  assert(/coming soon/i.test(text), `library text: ${text}`)
  await shot(page, 'library')
})

test('the light theme can be switched on and is remembered', async ({ page }) => {
  await page.goto('/live')
  assert((await page.locator('html').getAttribute('data-theme')) === 'dark', 'dark by default')
  await page.getByTestId('theme-toggle').click()
  assert((await page.locator('html').getAttribute('data-theme')) === 'light', 'light after the toggle')
  await page.reload()
  await page.getByTestId('live-card').first().waitFor({ timeout: 15_000 })
  assert((await page.locator('html').getAttribute('data-theme')) === 'light', 'light after a reload')
  await shot(page, 'live-light')
})

test('on a phone the navigation is behind a menu button', async ({ page }) => {
  await page.goto('/live')
  const toggle = page.getByRole('button', { name: 'Open menu' })
  await toggle.click()
  await page.locator('#mobile-nav').getByTestId('nav-library').click()
  await page.getByTestId('coming-soon').waitFor({ timeout: 10_000 })
  await page.goto('/live')
  await page.getByTestId('live-card').first().waitFor({ timeout: 15_000 })
  await shot(page, 'phone-live')
}, { viewport: { width: 390, height: 844 } })

// --- accounts: run when the auth plugin answers -------------------------------------------------

const PASSWORD = 'correct horse battery'
let userCounter = 0
function newUsername() {
  userCounter += 1
  return `e2e${Date.now().toString(36)}${userCounter}`
}

async function registerViaUi(page, username = newUsername()) {
  await page.goto('/register')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Email').fill(`${username}@example.org`)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByTestId('user-menu-button').waitFor({ timeout: 15_000 })
  return username
}

async function loginViaUi(page, username, password) {
  await page.goto('/login')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
}

async function becomeAdminOrSkip(page) {
  await loginViaUi(page, ADMIN.username, ADMIN.password)
  const menu = page.getByTestId('user-menu-button')
  const error = page.getByTestId('form-error')
  await Promise.race([menu.waitFor({ timeout: 10_000 }), error.waitFor({ timeout: 10_000 })])
  if (await error.isVisible()) skip(`could not log in as the first admin: ${await error.textContent()}`)
  const session = await page.evaluate(() => fetch('/api/auth/session').then((r) => r.json()))
  if (session.user?.role !== 'admin') skip('the first admin account is not an admin')
}

test('register, then see yourself in the header', async ({ page }) => {
  needAuth()
  const username = await registerViaUi(page)
  await page.waitForURL('**/settings/profile', { timeout: 10_000 })
  await page.getByTestId('user-menu-button').click()
  const menu = await page.locator('[role="menu"]').first().textContent()
  assert(menu.includes(username), `user menu names ${username}: ${menu}`)
  await shot(page, 'profile-edit')
})

test('a wrong password shows an error', async ({ page }) => {
  needAuth()
  const username = await registerViaUi(page)
  await page.getByTestId('user-menu-button').click()
  await page.getByTestId('logout').click()
  await loginViaUi(page, username, 'not the password')
  const error = page.getByTestId('form-error')
  await error.waitFor({ timeout: 10_000 })
  const text = await error.textContent()
  assert(/wrong username or password/i.test(text), `error text: ${text}`)
  await shot(page, 'login-error')
})

test('a page that needs login sends you to log in and back', async ({ page }) => {
  needAuth()
  const username = await registerViaUi(page)
  await page.getByTestId('user-menu-button').click()
  await page.getByTestId('logout').click()
  await page.goto('/studio')
  await page.waitForURL(/\/login\?next=(%2F|\/)studio$/, { timeout: 10_000 })
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.waitForURL('**/studio', { timeout: 10_000 })
})

test('upload an avatar and see it in the header', async ({ page }) => {
  needAuth()
  await registerViaUi(page)
  await page.goto('/settings/profile')
  await page.getByTestId('avatar-input').setInputFiles({ name: 'avatar.png', mimeType: 'image/png', buffer: makePng(96, 96) })
  await page.getByTestId('avatar-preview').waitFor({ timeout: 5000 })
  await page.getByTestId('avatar-upload').click()
  await page.getByRole('status').filter({ hasText: 'Avatar updated' }).waitFor({ timeout: 15_000 })
  // The header shows *our* picture: its middle pixel has the red of the PNG we made
  // (a default avatar or the initials would not).
  const headerImg = page.getByTestId('user-menu-button').locator('img')
  await headerImg.waitFor({ timeout: 15_000 })
  const pixel = await waitFor(
    () =>
      headerImg.evaluate((img) => {
        if (!img.complete || img.naturalWidth === 0) return null
        const canvas = document.createElement('canvas')
        canvas.width = img.naturalWidth
        canvas.height = img.naturalHeight
        const g = canvas.getContext('2d')
        g.drawImage(img, 0, 0)
        const [r, gr, b] = g.getImageData(img.naturalWidth >> 1, img.naturalHeight >> 1, 1, 1).data
        return r > 180 && gr < 160 ? [r, gr, b] : null
      }),
    { what: 'the uploaded avatar (red) in the header' },
  )
  console.log(`    header avatar pixel rgb(${pixel.join(', ')})`)
  await shot(page, 'avatar')
  const username = await page.evaluate(() => fetch('/api/auth/session').then((r) => r.json()).then((s) => s.user.username))
  await page.goto(`/u/${username}`)
  await page.getByTestId('profile-name').waitFor({ timeout: 10_000 })
  await shot(page, 'profile')
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
    const live = await waitFor(async () => (await getJson(`${server.url}/api/live`)).body?.find?.((s) => s.playlist), { ms: 30_000, what: `the stream in /api/live (ffmpeg: ${ffmpegErr.slice(-300)})` })
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

/** A small valid PNG (a diagonal gradient), without an image library. */
function makePng(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc32 = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([len, body, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  const rows = []
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3)
    for (let x = 0; x < width; x++) row.set([229, Math.round((x / width) * 200), Math.round((y / height) * 255)], 1 + x * 3)
    rows.push(row)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

// ---------------------------------------------------------------------------------------------

let runningKek = null

async function main() {
  if (!EXISTING_URL && !existsSync(KEK_BIN)) {
    console.error(`e2e: ${KEK_BIN} does not exist. Build kek first (bash scripts/dev.sh build, or ninja -C build), or set KEK_BIN.`)
    summary(0, 1, 0)
    return 1
  }
  if (!existsSync(join(DIST, 'index.html'))) {
    console.log('e2e: webui/dist is missing, building it (npm run build)')
    const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: WEBUI, stdio: 'inherit', timeout: 300_000 })
    if (built.status !== 0) {
      console.error('e2e: the web UI build failed')
      summary(0, 1, 0)
      return 1
    }
  }
  mkdirSync(ARTIFACTS, { recursive: true })

  let kek
  let browser
  let passed = 0
  let failed = 0
  let skipped = 0
  try {
    if (EXISTING_URL) {
      if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(EXISTING_URL)) throw new Error('KEK_E2E_URL must be http://127.0.0.1:PORT')
      server.url = EXISTING_URL
    } else {
      kek = await startKek({ kekBin: KEK_BIN, webuiDist: DIST, env: { KEK_ADMIN_PASSWORD: ADMIN.password } })
      runningKek = kek
      server.url = kek.url
    }
    console.log(`e2e: kek serve is at ${server.url}`)
    const [session, live, health] = await Promise.all([getJson(`${server.url}/api/auth/session`), getJson(`${server.url}/api/live`), getJson(`${server.url}/api/health`)])
    server.authAvailable = session.status !== 404
    server.liveAvailable = live.status !== 404
    server.rtmp = health.body?.endpoints?.rtmp ?? null
    console.log(`e2e: auth plugin ${server.authAvailable ? 'present' : 'absent'}, live listing ${server.liveAvailable ? 'present' : 'absent'}, rtmp ${server.rtmp ?? 'absent'}`)
    browser = await launchBrowser()

    for (const t of tests) {
      if (only && !t.name.toLowerCase().includes(only)) continue
      const context = await browser.newContext({
        baseURL: server.url,
        viewport: t.viewport ?? { width: 1280, height: 800 },
        locale: t.locale ?? 'en-US',
        colorScheme: 'dark',
      })
      context.setDefaultTimeout(15_000)
      context.setDefaultNavigationTimeout(15_000)
      const page = await context.newPage()
      const pageErrors = []
      page.on('pageerror', (err) => pageErrors.push(err.message))
      const started = Date.now()
      try {
        await withTimeout(t.fn({ page, context }), TEST_TIMEOUT_MS, t.name)
        assert(pageErrors.length === 0, `uncaught errors in the page: ${pageErrors.join('; ')}`)
        passed += 1
        console.log(`  ok    ${t.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
      } catch (err) {
        if (err instanceof Skip) {
          skipped += 1
          console.log(`  skip  ${t.name}: ${err.message}`)
        } else {
          failed += 1
          console.log(`  FAIL  ${t.name}: ${err.message}`)
          const safe = t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)
          await page.screenshot({ path: join(ARTIFACTS, `FAILED-${safe}.png`) }).catch(() => undefined)
        }
      } finally {
        await context.close().catch(() => undefined)
      }
    }
  } catch (err) {
    failed += 1
    console.error(`e2e: ${err.message}`)
  } finally {
    await browser?.close().catch(() => undefined)
    if (kek) {
      await kek.stop()
      writeFileSync(join(ARTIFACTS, 'kek.log'), kek.log())
      kek.cleanup()
    }
  }

  if (updateDocs && failed === 0) {
    mkdirSync(DOCS_SHOTS, { recursive: true })
    for (const name of readdirSync(ARTIFACTS).filter((n) => n.endsWith('.png') && !n.startsWith('FAILED'))) {
      copyFileSync(join(ARTIFACTS, name), join(DOCS_SHOTS, name))
    }
    console.log(`e2e: screenshots copied to ${DOCS_SHOTS}`)
  }
  summary(passed, failed, skipped)
  return failed > 0 ? 1 : 0
}

// The whole run is bounded: a hung browser or server cannot keep CI waiting.
const watchdog = setTimeout(() => {
  console.error(`e2e: the run took longer than ${RUN_TIMEOUT_MS / 60_000} minutes; giving up`)
  runningKek?.kill()
  summary(0, 1, 0)
  process.exit(1)
}, RUN_TIMEOUT_MS)
watchdog.unref()

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err)
    summary(0, 1, 0)
    process.exit(1)
  },
)
