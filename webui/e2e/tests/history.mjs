// Watch history against the real plugins (auth, library, history): play a film, reload and be
// offered to resume where it stopped (and in a second browser too), the History page with its
// progress bar, Continue watching on the Library, clear all, pause, a tab closed mid-play, and
// the guest's explanation.
import { join } from 'node:path'
import { assert, getJson, skip, waitFor } from '../harness.mjs'
import { cachedClip } from '../media.mjs'
import {
  PASSWORD,
  createStreamKey,
  expectPlaying,
  loginViaUi,
  needAuth,
  needLibrary,
  needLive,
  needMediaDir,
  registerViaUi,
  server,
  shot,
  startPublishing,
  test,
  uploadThroughStudio,
  waitForLive,
} from '../support.mjs'

const clipsDir = () => join(server.dataDir, 'e2e-clips')
const FILM = 'e2e history film.mp4'

async function needHistory() {
  needAuth()
  needLibrary()
  needMediaDir()
  const probe = await getJson(`${server.url}/api/me/history/settings`)
  if (probe.status === 404) skip('the history plugin is not loaded: /api/me/history/settings is 404')
}

/** A minute-long film of a new user's, played to `seconds` on its page. */
async function playFilm(page, seconds) {
  const username = await registerViaUi(page)
  const id = await uploadThroughStudio(page, cachedClip(clipsDir(), FILM, { seconds: 60 }), FILM)
  await page.goto(`/library/${encodeURIComponent(id)}`)
  await page.getByTestId('player').waitFor({ timeout: 90_000 })
  await page.getByTestId('play-toggle').click()
  const video = page.getByTestId('player-video')
  await waitFor(() => video.evaluate((v, s) => v.currentTime >= s, seconds), { ms: 60_000, every: 100, what: `the film played to ${seconds} s` })
  return { username, id, video }
}

const storedPosition = (page, id) =>
  page.evaluate((i) => fetch(`/api/me/history/${encodeURIComponent(i)}`).then((r) => r.json()), id).then((r) => r.entry?.position_s ?? null)

test('a film played 15 s offers to resume there after a reload, in another browser too; History, Continue watching, clear all', async ({ page, context }) => {
  await needHistory()
  const { username, id, video } = await playFilm(page, 15)
  await page.reload()
  const prompt = page.getByTestId('resume-prompt')
  await prompt.waitFor({ timeout: 20_000 })
  const offered = Number(await prompt.getAttribute('data-resume'))
  assert(Math.abs(offered - 15) <= 2, `resume offered at ${offered} s, expected 15 s ± 2 s`)
  const label = await page.getByTestId('resume-button').textContent()
  assert(/Resume from 0:1[3-7]/.test(label), `the button says where: ${label}`)
  await shot(page, 'history-resume')
  await page.getByTestId('resume-button').click()
  await waitFor(() => video.evaluate((v) => !v.paused && v.currentTime > 0), { ms: 20_000, what: 'playing again' })
  const at = await video.evaluate((v) => v.currentTime)
  assert(Math.abs(at - offered) <= 3, `it resumed at ${at} s, offered ${offered} s`)
  await page.getByTestId('play-toggle').click() // pause: the position is saved at once

  // The same account in another browser: the position sticks across devices.
  const other = await context.browser().newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } })
  try {
    const tv = await other.newPage()
    await loginViaUi(tv, username, PASSWORD)
    await tv.getByTestId('user-menu-button').waitFor()
    await tv.goto(`/library/${encodeURIComponent(id)}`)
    const there = tv.getByTestId('resume-prompt')
    await there.waitFor({ timeout: 20_000 })
    const elsewhere = Number(await there.getAttribute('data-resume'))
    assert(Math.abs(elsewhere - at) <= 3, `the other browser offers ${elsewhere} s, this one was at ${at} s`)
  } finally {
    await other.close()
  }

  await page.goto('/history')
  const entry = page.locator(`[data-testid="history-entry"][data-id="${id}"]`)
  await entry.waitFor()
  const percent = Number(await entry.getByTestId('watch-progress').getAttribute('data-percent'))
  assert(percent >= 20 && percent <= 40, `the History page's progress bar: ${percent} % of a minute at ~${Math.round(at)} s`)
  assert(/left/.test(await entry.getByTestId('history-entry-status').textContent()), 'it says how much is left')
  const day = await page.getByTestId('history-day').first().locator('h2').textContent()
  assert(day.trim() === 'Today', `grouped under Today: ${day}`)
  await shot(page, 'history')

  await page.goto('/library')
  const row = page.getByTestId('continue-watching')
  await row.locator(`[data-testid="continue-card"][data-id="${id}"]`).waitFor()
  await page.locator(`[data-testid="library-card"][data-id="${id}"] [data-testid="watch-progress"]`).waitFor()
  await shot(page, 'library-continue-watching')

  await page.goto('/history')
  await entry.waitFor()
  await page.getByTestId('history-clear').click()
  await page.getByTestId('history-clear-yes').click()
  await page.getByTestId('history-empty').waitFor()
  assert((await page.getByTestId('history-entry').count()) === 0, 'clear all empties the page')
  await page.reload()
  await page.getByTestId('history-empty').waitFor()

  // Paused: the page says so.
  await page.getByTestId('history-pause').click()
  await page.getByTestId('history-paused').waitFor()
  await page.reload()
  await page.getByTestId('history-paused').waitFor()
  await page.getByTestId('history-pause').click()
  await page.getByTestId('history-paused').waitFor({ state: 'detached' })
}, { timeoutMs: 240_000 })

test('marked watched by hand: a tick on the page and the card, no resume offer, out of Continue watching; unwatched again', async ({ page }) => {
  await needHistory()
  const { id } = await playFilm(page, 12)
  await page.getByTestId('play-toggle').click() // pause: the position is saved
  await waitFor(async () => ((await storedPosition(page, id)) ?? 0) >= 11, { ms: 10_000, what: 'the paused position stored' })
  const mark = page.getByTestId('mark-watched')
  assert((await mark.getAttribute('aria-pressed')) === 'false', 'not watched yet')
  await mark.click()
  await page.getByTestId('watched-tick').waitFor()
  await waitFor(async () => (await mark.getAttribute('aria-pressed')) === 'true', { what: 'the button says it is watched' })
  await page.reload()
  await page.getByTestId('player').waitFor({ timeout: 90_000 })
  await page.getByTestId('watched-tick').waitFor()
  assert((await page.getByTestId('resume-prompt').count()) === 0, 'a watched film starts from the beginning: no resume offer')

  await page.goto('/library')
  await page.locator(`[data-testid="library-card"][data-id="${id}"] [data-testid="watched-tick"]`).waitFor()
  assert((await page.locator(`[data-testid="continue-card"][data-id="${id}"]`).count()) === 0, 'a watched film is not under Continue watching')

  await page.goto(`/library/${encodeURIComponent(id)}`)
  await page.getByTestId('watched-tick').waitFor()
  await page.getByTestId('mark-watched').click()
  await page.getByTestId('watched-tick').waitFor({ state: 'detached' })
  await page.goto('/library')
  await page.locator(`[data-testid="library-card"][data-id="${id}"]`).waitFor()
  assert((await page.locator(`[data-testid="library-card"][data-id="${id}"] [data-testid="watched-tick"]`).count()) === 0, 'unwatched: the tick is gone')
}, { timeoutMs: 180_000 })

test('closing the tab mid-play keeps the position (the page says its last word by beacon)', async ({ page, context }) => {
  await needHistory()
  const { id } = await playFilm(page, 14)
  const closedAt = await page.getByTestId('player-video').evaluate((v) => v.currentTime)
  await page.close({ runBeforeUnload: true })
  const after = await context.newPage()
  await after.goto('/history')
  // The 10 s heartbeat said 10; only the page's last word says more.
  const position = await waitFor(async () => {
    const p = await storedPosition(after, id)
    return p !== null && p >= 12.5 ? p : null
  }, { ms: 10_000, what: 'the position from the closed tab' })
  assert(Math.abs(position - closedAt) <= 2, `stored ${position} s, the tab closed at ${closedAt} s`)
}, { timeoutMs: 180_000 })

test('a live stream watched for a few seconds is on the History page: whose, and for how long', async ({ page }) => {
  await needHistory()
  needLive()
  const username = await registerViaUi(page)
  const { key, stream } = await createStreamKey(page, 'History live')
  const publisher = startPublishing(`${server.rtmp}/${key}`)
  try {
    await waitForLive(stream, { what: publisher.stderr() })
    await page.goto(`/live/${stream}`)
    await expectPlaying(page, 'the live stream')
    const video = page.getByTestId('player-video')
    const from = await video.evaluate((v) => v.currentTime)
    await waitFor(() => video.evaluate((v, f) => v.currentTime - f >= 6, from), { ms: 30_000, what: '6 s of the stream played' })
    // Leaving the page says how long it played (before the first 10 s heartbeat).
    await page.goto('/history')
    const entry = page.locator(`[data-testid="history-entry"][data-kind="live"][data-id="${stream}"]`)
    await entry.waitFor({ timeout: 10_000 })
    assert((await entry.textContent()).includes(username), `it names the streamer: ${await entry.textContent()}`)
    const status = await entry.getByTestId('history-entry-status').textContent()
    const seconds = Number(/(\d+)\s*s/.exec(status)?.[1])
    assert(seconds >= 5 && seconds <= 30, `watched for about 6 s: "${status}"`)
  } finally {
    await publisher.stop()
  }
}, { timeoutMs: 120_000 })

test('a guest is told that history needs an account', async ({ page }) => {
  await needHistory()
  await page.goto('/history')
  await page.getByTestId('history-guest').waitFor()
  assert(/account/.test(await page.getByTestId('history-guest').textContent()), 'it explains why')
})
