// What the browser tests share: the test registry, the facts about the server under test, and
// the steps several areas use (accounts, screenshots, "is the video playing"). The runner
// (run.mjs) imports every file in tests/, each of which calls test(...) for its tests.
import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { deflateSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { assert, getJson, hasCommand, skip, waitFor } from './harness.mjs'

export const WEBUI = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const ARTIFACTS = join(WEBUI, 'e2e', 'artifacts')
// The auth plugin creates the first admin account ("admin") with this password when it is set.
export const ADMIN = { username: 'admin', password: process.env.KEK_ADMIN_PASSWORD || 'e2e admin password 7' }

// Each test gets a fresh browser context (no cookies, no storage) and a page (and the browser,
// for a test that needs a second person: browser.newContext({ baseURL: server.url })).
// Options: viewport, locale (the context's), timeoutMs (default 90 s: only for tests that wait
// on real work, like a transcode).
export const tests = []
/** The file being loaded by the runner: its tests are tagged with it (the "area" --only matches). */
let currentArea = ''
export function setArea(area) {
  currentArea = area
}
export const test = (name, fn, options = {}) => tests.push({ name, fn, area: currentArea, ...options })

/** Facts about the server, probed once before the tests: which plugins answer. */
export const server = { url: '', authAvailable: false, liveAvailable: false, libraryAvailable: false, rtmp: null, mediaDir: null, dataDir: null }

export function needAuth() {
  if (!server.authAvailable) skip('auth plugin not installed: GET /api/auth/session is 404')
}

export function needLibrary() {
  if (!server.libraryAvailable) skip('no library catalogue: GET /api/library/items is 404 (the library plugin or its catalogue API is not built)')
  if (!hasCommand('ffmpeg')) skip('ffmpeg is not installed')
}

/** Tests that put media files where kek serves them (not against KEK_E2E_URL). */
export function needMediaDir() {
  if (!server.mediaDir) skip('the media folder of the kek under test is not known (KEK_E2E_URL)')
  if (!hasCommand('ffmpeg')) skip('ffmpeg is not installed')
}

export function needLive() {
  if (!server.liveAvailable) skip('live listing not available: GET /api/live is 404 (rtmp plugin not installed yet)')
  if (!server.rtmp) skip('no RTMP endpoint in /api/health endpoints.rtmp')
  if (!hasCommand('ffmpeg')) skip('ffmpeg is not installed')
}

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) })
}

/** Waits until the player's <video> is really playing: time advances and a frame has a size. */
export async function expectPlaying(page, what) {
  const video = page.getByTestId('player-video')
  try {
    await waitFor(() => video.evaluate((v) => v.currentTime > 0.5 && v.videoWidth > 0), { ms: 30_000, what: `${what} to start playing` })
  } catch (err) {
    // Say what the viewer had on screen: the player's state and the media element's.
    const seen = await page
      .getByTestId('player')
      .evaluate((p) => {
        const v = p.querySelector('video')
        const ranges = (r) => Array.from({ length: r?.length ?? 0 }, (_, i) => `${r.start(i).toFixed(2)}-${r.end(i).toFixed(2)}`).join(',')
        return {
          status: p.dataset.status,
          engine: p.dataset.engine,
          message: p.querySelector('[data-testid="player-message"]')?.textContent?.trim() ?? null,
          paused: v?.paused,
          readyState: v?.readyState,
          networkState: v?.networkState,
          currentTime: v?.currentTime,
          buffered: ranges(v?.buffered),
          error: v?.error ? `${v.error.code} ${v.error.message}` : null,
        }
      })
      .catch((e) => `no player: ${e.message}`)
    throw new Error(`${err.message}; the player: ${JSON.stringify(seen)}`)
  }
  const first = await video.evaluate((v) => v.currentTime)
  await page.waitForTimeout(2500)
  const state = await video.evaluate((v) => ({ t: v.currentTime, w: v.videoWidth, h: v.videoHeight, paused: v.paused }))
  assert(state.t > first + 1, `${what}: currentTime should advance (was ${first}, now ${state.t})`)
  assert(state.w > 0 && state.h > 0, `${what}: videoWidth should be > 0 (got ${state.w}x${state.h})`)
  assert(!state.paused, `${what}: video should not be paused`)
  return state
}

// --- accounts: run when the auth plugin answers -------------------------------------------------

export const PASSWORD = 'correct horse battery'
export let userCounter = 0
export function newUsername() {
  userCounter += 1
  return `e2e${Date.now().toString(36)}${userCounter}`
}

export async function registerViaUi(page, username = newUsername()) {
  await page.goto('/register')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Email').fill(`${username}@example.org`)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByTestId('user-menu-button').waitFor({ timeout: 15_000 })
  return username
}

/** Uploads a file through Studio's Upload panel; resolves to the new item's id once it is done. */
export async function uploadThroughStudio(page, file, name) {
  await page.goto('/studio')
  await page.getByTestId('upload-input').setInputFiles(file)
  const row = page.locator(`[data-testid="upload-row"][data-name="${name}"]`)
  await waitFor(async () => (await row.getAttribute('data-state')) === 'done', { ms: 60_000, what: `the upload of ${name} done` })
  const href = await row.getByTestId('upload-item-link').getAttribute('href')
  return decodeURIComponent(href.split('/').pop())
}

export async function loginViaUi(page, username, password) {
  await page.goto('/login')
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
}

export async function becomeAdminOrSkip(page) {
  await loginViaUi(page, ADMIN.username, ADMIN.password)
  const menu = page.getByTestId('user-menu-button')
  const error = page.getByTestId('form-error')
  await Promise.race([menu.waitFor({ timeout: 10_000 }), error.waitFor({ timeout: 10_000 })])
  if (await error.isVisible()) skip(`could not log in as the first admin: ${await error.textContent()}`)
  const session = await page.evaluate(() => fetch('/api/auth/session').then((r) => r.json()))
  if (session.user?.role !== 'admin') skip('the first admin account is not an admin')
}

/** A small valid PNG (a diagonal gradient), without an image library. */
export function makePng(width, height) {
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

// --- live: publishing with ffmpeg ---------------------------------------------------------------

/**
 * Publishes a small test picture and tone to `url` (rtmp://.../app/key) with ffmpeg for at most
 * `seconds`: a keyframe every `gop` frames (25 fps: every second by default). Returns { stop(), stderr() }; stop() ends it (SIGTERM) and
 * resolves once ffmpeg has exited.
 */
export function startPublishing(url, { seconds = 60, size = '320x180', gop = 25 } = {}) {
  const ffmpeg = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`, '-f', 'lavfi', '-i', 'sine=frequency=440',
      '-t', String(seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', String(gop), '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', url],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let err = ''
  ffmpeg.stderr.on('data', (d) => (err = (err + d).slice(-2000)))
  const exited = new Promise((resolve) => ffmpeg.once('exit', resolve))
  return {
    stderr: () => err,
    async stop() {
      if (ffmpeg.exitCode === null && ffmpeg.signalCode === null) ffmpeg.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      if (ffmpeg.exitCode === null && ffmpeg.signalCode === null) ffmpeg.kill('SIGKILL')
    },
  }
}

/** A JSON API call as the signed-in user of `page` (with the CSRF token): { status, body }. */
export async function apiCall(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const session = await fetch('/api/auth/session').then((r) => r.json())
      const r = await fetch(path, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: r.status, body: await r.json().catch(() => null) }
    },
    { method, path, body },
  )
}

/** A stream key of the signed-in user of `page` (POST /api/me/stream-keys): { key, stream }. */
export async function createStreamKey(page, name = 'E2E stream') {
  const created = await page.evaluate(async (keyName) => {
    const session = await fetch('/api/auth/session').then((r) => r.json())
    const r = await fetch('/api/me/stream-keys', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token },
      body: JSON.stringify({ name: keyName }),
    })
    return r.json()
  }, name)
  assert(created.key && created.stream, `stream key: ${JSON.stringify(created)}`)
  return created
}

/** Waits until /api/live lists `stream` (with `state` when given) and returns its entry. */
export async function waitForLive(stream, { state = null, ms = 30_000, what = '' } = {}) {
  return waitFor(
    async () => (await getJson(`${server.url}/api/live`)).body?.find?.((s) => s.stream === stream && (!state || s.state === state)),
    { ms, what: `${stream} ${state ?? 'listed'} in /api/live ${what}` },
  )
}
