// The library against the real plugin (plugins/library): upload through Studio with tus, the
// transcode making it playable, playing, seek previews from the sprite index, subtitles added on
// the item page and switched on in the player, and an upload resumed after a reload. Skipped,
// saying why, only where the plugin is not installed (a kek built without it, or KEK_E2E_URL);
// the pages alone are tested against a faked API in library-ui.mjs.
import { join } from 'node:path'
import { statSync } from 'node:fs'
import { assert, waitFor } from '../harness.mjs'
import { cachedClip, makeSrt, SUBTITLE_LINE } from '../media.mjs'
import { PASSWORD, expectPlaying, loginViaUi, needAuth, needLibrary, needMediaDir, registerViaUi, server, shot, test } from '../support.mjs'

const clipsDir = () => join(server.dataDir, 'e2e-clips')

/** The item as its owner's browser sees it. */
const itemOf = (page, id) => page.evaluate((i) => fetch(`/api/library/items/${encodeURIComponent(i)}`).then((r) => r.json()), id)

/** The film the first test uploaded (and its owner), for the subtitle test after it. */
let uploaded = null

/** A new account uploads a clip through the Studio panel; returns its row, the item id and the user. */
async function uploadInStudio(page, name) {
  const username = await registerViaUi(page)
  const file = cachedClip(clipsDir(), name, { seconds: 6 })
  await page.goto('/studio')
  await page.getByTestId('upload-input').setInputFiles(file)
  const row = page.locator(`[data-testid="upload-row"][data-name="${name}"]`)
  await row.getByTestId('upload-progress').waitFor()
  await waitFor(async () => (await row.getAttribute('data-state')) === 'done', { ms: 30_000, what: 'the upload done' })
  assert((await row.getByTestId('upload-progress').getAttribute('data-percent')) === '100', 'the progress bar reached 100 %')
  const link = row.getByTestId('upload-item-link')
  const id = decodeURIComponent((await link.getAttribute('href')).split('/').pop())
  return { row, link, id, username }
}

test('upload a film in Studio, watch it become playable, play it and seek with a preview', async ({ page }) => {
  needAuth()
  needLibrary()
  needMediaDir()
  const { link, id, username } = await uploadInStudio(page, 'e2e upload film.mp4')
  uploaded = { id, username }
  // Its transcode shows in Studio too, in the owner's list.
  await page.locator(`[data-testid="my-item"][data-id="${id}"]`).waitFor({ timeout: 15_000 })

  await link.click()
  await page.waitForURL(`**/library/${encodeURIComponent(id)}`)
  await page.getByTestId('item-title').waitFor()
  // Progressive: the player comes as soon as the master playlist exists.
  await page.getByTestId('player').waitFor({ timeout: 90_000 })
  await page.getByTestId('play-toggle').click()
  await expectPlaying(page, 'the uploaded film')

  // The sprite index is written when the job ends.
  await waitFor(
    async () => {
      const item = await itemOf(page, id)
      return item.status === 'ready' && item.sprite_vtt ? item : null
    },
    { ms: 120_000, every: 1000, what: 'the item ready with its sprite index' },
  )
  await page.reload()
  await page.getByTestId('play-toggle').click()
  await expectPlaying(page, 'the finished film')
  const bar = page.getByTestId('seek-bar')
  const box = await bar.boundingBox()
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2)
  await page.getByTestId('seek-preview-image').waitFor({ state: 'visible' })
  const background = await page.getByTestId('seek-preview-image').evaluate((el) => getComputedStyle(el).backgroundImage)
  assert(background.includes(`/media/vod/${id}/`), `the preview comes from the item's sprite sheet: ${background}`)
  await waitFor(
    () => page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.initiatorType === 'css' && e.name.includes('/media/vod/'))),
    { what: 'the sprite sheet loaded' },
  )
  await shot(page, 'library-item-real')

  // And the catalogue lists it.
  await page.goto('/library')
  await page.locator(`[data-testid="library-card"][data-id="${id}"]`).waitFor()
}, { timeoutMs: 240_000 })

test('subtitles added on the item page can be switched on in the player', async ({ page }) => {
  needAuth()
  needLibrary()
  // The film of the test before, or (run alone, or after it failed early) one of its own.
  if (uploaded) {
    await loginViaUi(page, uploaded.username, PASSWORD)
    await page.getByTestId('user-menu-button').waitFor()
  } else {
    needMediaDir()
    const { id, username } = await uploadInStudio(page, 'e2e subtitled film.mp4')
    uploaded = { id, username }
  }
  await page.goto(`/library/${encodeURIComponent(uploaded.id)}`)
  const srt = makeSrt(join(clipsDir(), 'e2e-subtitles.srt'), 6)
  await page.getByTestId('subtitle-file').setInputFiles(srt)
  await page.getByTestId('subtitle-language').selectOption('en')
  await page.getByTestId('subtitle-label').fill('English')
  await page.getByTestId('subtitle-submit').click()
  await page.getByTestId('subtitle-added').waitFor({ timeout: 15_000 })
  const item = await waitFor(
    async () => {
      const i = await itemOf(page, uploaded.id)
      return i.status === 'ready' && i.subtitles?.some((s) => s.language === 'en' && s.url) ? i : null
    },
    { ms: 120_000, every: 1000, what: 'the item ready again with its English subtitles' },
  )
  await page.reload()
  await page.getByTestId('play-toggle').click()
  await expectPlaying(page, 'the film with subtitles')
  const master = await page.evaluate((url) => fetch(url).then((r) => r.text()), item.hls)
  assert(/TYPE=SUBTITLES[^\n]*LANGUAGE="en"/.test(master), `the master playlist has the English SUBTITLES rendition:\n${master}`)
  assert(item.subtitles.find((s) => s.language === 'en')?.url, 'the item links its WebVTT file')
  await page.getByTestId('subtitles-button').waitFor({ timeout: 15_000 })
  await page.getByTestId('subtitles-button').click()
  await page.getByTestId('subtitles-option').filter({ hasText: 'English' }).click()
  const cue = await waitFor(
    () =>
      page.getByTestId('player-video').evaluate((v) => {
        for (const track of v.textTracks) if (track.mode === 'showing') for (const c of track.cues ?? []) if (c.text) return c.text
        return null
      }),
    { ms: 15_000, what: 'a subtitle cue showing' },
  )
  assert(cue.includes(SUBTITLE_LINE), `subtitle text: ${cue}`)
}, { timeoutMs: 200_000 })

test('an upload interrupted by a page reload resumes where it stopped (real tus, throttled upload)', async ({ page, context }) => {
  needAuth()
  needLibrary()
  needMediaDir()
  await registerViaUi(page)
  const file = cachedClip(clipsDir(), 'e2e-resume.mp4', { seconds: 8, bitrate: '6M' })
  const size = statSync(file).size
  // A slow uplink (about 1 MB/s), so the reload really comes mid-way.
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 1_000_000 })
  const patches = []
  page.on('request', (r) => r.method() === 'PATCH' && r.url().includes('/api/uploads/') && patches.push(Number(r.headers()['upload-offset'])))

  await page.goto('/studio')
  await page.getByTestId('upload-input').setInputFiles(file)
  const row = page.locator('[data-testid="upload-row"][data-name="e2e-resume.mp4"]')
  await waitFor(async () => Number(await row.getByTestId('upload-progress').getAttribute('data-percent')) >= 15, { ms: 30_000, what: 'the upload 15 % along' })
  await page.reload()
  await waitFor(async () => (await row.getAttribute('data-state')) === 'unfinished', { what: 'the unfinished upload listed after the reload' })
  const kept = Number(await row.getByTestId('upload-progress').getAttribute('data-percent'))
  assert(kept > 0 && kept < 100, `the server kept part of it: ${kept} %`)
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
  patches.length = 0
  await page.getByTestId('upload-input').setInputFiles(file)
  await waitFor(async () => (await row.getAttribute('data-state')) === 'done', { ms: 60_000, what: 'the resumed upload done' })
  assert(patches.length > 0 && patches[0] > 0, `it resumed from the server's offset, not from 0: ${patches}`)
  const id = decodeURIComponent((await row.getByTestId('upload-item-link').getAttribute('href')).split('/').pop())
  const item = await itemOf(page, id)
  assert(item.source?.size_bytes === size, `the item has the whole file: ${item.source?.size_bytes} of ${size} bytes`)
}, { timeoutMs: 150_000 })
