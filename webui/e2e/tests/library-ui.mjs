// The Library pages against the catalogue API as plugins/library/README.md describes it, faked in
// the browser (fake-library.mjs): the states a real transcode takes minutes to reach, failures on
// demand, and tus uploads held mid-way. The media files are real (ffmpeg) and served by kek.
// The same pages against the real plugin: tests/library.mjs.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { assert, waitFor } from '../harness.mjs'
import { fakeItem, installFakeLibrary } from '../fake-library.mjs'
import { cachedClip, makeFilmFolder, SUBTITLE_LINE } from '../media.mjs'
import { expectPlaying, makePng, needAuth, needMediaDir, registerViaUi, server, shot, test } from '../support.mjs'

/** One finished film folder per run, under media/vod/ of the kek under test. */
let film = null
function filmFolder() {
  needMediaDir()
  if (!film) {
    const dir = join(server.mediaDir, 'vod', 'e2efilm')
    const made = makeFilmFolder(dir)
    const url = (name) => `/media/vod/e2efilm/${name}`
    film = { dir, hls: url(made.master), dash: url(made.dash), poster: url(made.poster), spriteVtt: url(made.spriteVtt) }
  }
  return film
}

function playableItem(patch = {}) {
  const f = filmFolder()
  return fakeItem({
    hls: f.hls,
    poster: f.poster,
    sprite_vtt: f.spriteVtt,
    duration_s: 8,
    audio: [
      { id: 1, language: 'en', label: 'English', codec: 'aac', channels: 1, default: true },
      { id: 2, language: 'ru', label: 'Русский', codec: 'aac', channels: 1, default: false },
    ],
    subtitles: [{ id: 1, language: 'en', label: 'English', url: null }],
    ...patch,
  })
}

/** Small clips (320x180), made once per run beside the kek under test's data. */
function clip(name, options) {
  needMediaDir()
  return cachedClip(join(server.dataDir, 'e2e-clips'), name, options)
}
const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex')

async function cardTitles(page) {
  return (await page.getByTestId('library-card-title').allTextContents()).map((t) => t.trim())
}

test('the Library lists films with posters and length, searches as you type and sorts (API faked)', async ({ page }) => {
  const f = filmFolder()
  await installFakeLibrary(page, {
    items: [
      fakeItem({ title: 'Casablanca', year: 1942, genres: ['Drama', 'Romance'], duration_s: 6120, poster: f.poster }),
      fakeItem({ title: 'The Third Man', year: 1949, genres: ['Noir'], duration_s: 6240, poster: f.poster }),
      fakeItem({ title: 'Alphaville', year: 1965, genres: ['Science fiction'], duration_s: 5940, poster: f.poster }),
      fakeItem({ title: 'Holiday film', status: 'processing', progress: 43, eta_s: 95, duration_s: 1800, can_edit: true }),
    ],
  })
  await page.goto('/library')
  await waitFor(async () => (await page.getByTestId('library-card').count()) === 4, { what: 'four cards' })
  const processing = page.locator('[data-testid="library-card"][data-status="processing"]')
  const label = await processing.getByTestId('item-processing-label').textContent()
  assert(label.includes('43 %'), `processing card says how far it is: ${label}`)
  const durations = await page.getByTestId('library-card-duration').allTextContents()
  assert(durations.includes('1h 42m'), `lengths on the posters: ${durations}`)
  await waitFor(
    () => page.getByTestId('library-card-poster').first().evaluate((img) => img.complete && img.naturalWidth > 0),
    { what: 'a poster loaded' },
  )
  await shot(page, 'library')

  // Typing searches (debounced: one request for the word, not one per letter).
  await page.getByTestId('library-search').pressSequentially('noir', { delay: 40 })
  await waitFor(async () => JSON.stringify(await cardTitles(page)) === '["The Third Man"]', { what: 'the search result' })
  await page.waitForURL(/[?&]q=noir/)
  await page.getByTestId('library-search').fill('')
  await waitFor(async () => (await cardTitles(page)).length === 4, { what: 'all films again' })

  await page.getByTestId('library-sort').selectOption('title')
  await waitFor(async () => (await cardTitles(page))[0] === 'Alphaville', { what: 'sorted by title' })
  await page.waitForURL(/sort=title/)
  await page.getByTestId('library-order').click()
  await waitFor(async () => (await cardTitles(page))[0] === 'The Third Man', { what: 'sorted by title, descending' })
  await page.goBack()
  await waitFor(async () => (await cardTitles(page))[0] === 'Alphaville', { what: 'back restores the ascending order' })
})

test('more films load as you scroll, by cursor (API faked)', async ({ page }) => {
  const fake = await installFakeLibrary(page, { items: Array.from({ length: 30 }, (_, i) => fakeItem({ title: `Reel ${String(i + 1).padStart(2, '0')}` })) })
  await page.goto('/library')
  await waitFor(async () => (await page.getByTestId('library-card').count()) === 24, { what: 'the first page of 24' })
  await page.getByTestId('library-more').scrollIntoViewIfNeeded()
  // What the visitor ends up with: all 30 and no "more". Checked together, as the list settles: a
  // late reload of the first page (the listing's query or event stream) shows 24 and "more" again
  // until the sentinel, still in view, loads the rest (one CI run caught it between the two).
  await waitFor(
    async () => (await page.getByTestId('library-card').count()) === 30 && (await page.getByTestId('library-more').count()) === 0,
    { what: 'the second page after scrolling, and no "more" after the last page' },
  )
  const pages = fake.state.requests.filter((r) => r.method === 'GET' && /^\/api\/library\/items\?/.test(r.url))
  assert(pages.some((r) => r.url.includes('cursor=24')), `the second page was asked by its cursor: ${pages.map((r) => r.url)}`)
})

test('the empty Library says how to add films (API faked)', async ({ page }) => {
  await installFakeLibrary(page, { items: [] })
  await page.goto('/library')
  const empty = page.getByTestId('library-empty')
  await empty.waitFor()
  const text = await empty.textContent()
  assert(/Studio/.test(text) && /folders:/.test(text) && /name: library/.test(text), `empty state explains uploads and folders: ${text}`)
  await shot(page, 'library-empty')
})

test('a film plays with audio and subtitle menus and seek-bar previews (API faked)', async ({ page }) => {
  const item = playableItem({ title: 'Test pattern', year: 2024, genres: ['Test'], description: 'Colour bars and a sine tone.' })
  await installFakeLibrary(page, { items: [item] })
  await page.goto(`/library/${item.id}`)
  await page.getByTestId('item-title').waitFor()
  await page.getByTestId('play-toggle').click()
  await expectPlaying(page, 'the film')

  await page.getByTestId('audio-button').click()
  const audio = await page.getByTestId('audio-option').allTextContents()
  assert(JSON.stringify(audio.map((a) => a.trim())) === '["English","Русский"]', `audio menu: ${audio}`)
  await page.getByTestId('audio-option').nth(1).click()
  await waitFor(async () => (await page.getByTestId('audio-button').getAttribute('aria-label')).includes('Русский'), { what: 'Russian audio chosen' })

  await page.getByTestId('subtitles-button').click()
  const subs = (await page.getByTestId('subtitles-option').allTextContents()).map((s) => s.trim())
  assert(JSON.stringify(subs) === '["Off","English"]', `subtitle menu: ${subs}`)
  await page.getByTestId('subtitles-option').nth(1).click()
  // hls.js loads the WebVTT rendition into a text track that shows its cues.
  const cue = await waitFor(
    () =>
      page.getByTestId('player-video').evaluate((v) => {
        for (const track of v.textTracks) {
          if (track.mode !== 'showing') continue
          for (const c of track.activeCues ?? []) if (c.text) return c.text
          for (const c of track.cues ?? []) if (c.text) return c.text
        }
        return null
      }),
    { ms: 15_000, what: 'a subtitle cue in a showing text track' },
  )
  assert(cue.includes(SUBTITLE_LINE), `subtitle text: ${cue}`)

  // Hover three quarters along the bar: the picture from the sprite sheet at 0:06 shows.
  const bar = page.getByTestId('seek-bar')
  const box = await bar.boundingBox()
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2)
  const preview = page.getByTestId('seek-preview')
  await preview.waitFor({ state: 'visible' })
  assert((await preview.getAttribute('data-time')) === '6', `preview time: ${await preview.getAttribute('data-time')}`)
  const background = await page.getByTestId('seek-preview-image').evaluate((el) => getComputedStyle(el).backgroundImage + ' ' + getComputedStyle(el).backgroundPosition)
  assert(background.includes('/sprites/sheet.jpg') && background.includes('-320px -90px'), `preview is the sprite region of 0:06 (3rd picture of the 2nd row): ${background}`)
  await waitFor(
    () => page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/sprites/sheet.jpg') && e.responseEnd > 0)),
    { what: 'the sprite sheet loaded' },
  )
  await shot(page, 'library-item')
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height / 2)
  await waitFor(async () => Math.abs((await page.getByTestId('player-video').evaluate((v) => v.currentTime)) - 4) < 1.5, { what: 'a click seeks to the middle' })

  // The keyboard seeks too, with the same preview.
  await page.mouse.move(box.x + box.width / 2, box.y - 200)
  await bar.focus()
  const before = await page.getByTestId('player-video').evaluate((v) => v.currentTime)
  await page.keyboard.press('ArrowLeft')
  await preview.waitFor({ state: 'visible' })
  const after = await page.getByTestId('player-video').evaluate((v) => v.currentTime)
  assert(after < before - 3, `ArrowLeft on the seek bar goes back 5 s (from ${before.toFixed(1)} to ${after.toFixed(1)})`)
  assert((await bar.getAttribute('aria-valuetext')).includes('of 0:08'), `aria-valuetext: ${await bar.getAttribute('aria-valuetext')}`)
})

test('a film with only DASH plays with dash.js and its audio menu (API faked)', async ({ page }) => {
  const f = filmFolder()
  const item = playableItem({ title: 'DASH only', hls: null, dash: f.dash })
  await installFakeLibrary(page, { items: [item] })
  await page.goto(`/library/${item.id}`)
  await page.getByTestId('play-toggle').click()
  await expectPlaying(page, 'the DASH film')
  assert((await page.getByTestId('player').getAttribute('data-engine')) === 'dash.js', 'played by dash.js')
  // The film is 8 s long: on a busy machine it could end before the audio is switched, and an
  // ended film fetches nothing more. Pause it and go back to its start first, as a viewer would.
  await page.getByTestId('play-toggle').click()
  await page.getByTestId('player-video').evaluate((v) => {
    v.currentTime = 0.5
  })
  await page.getByTestId('audio-button').click()
  const audio = (await page.getByTestId('audio-option').allTextContents()).map((a) => a.trim())
  assert(JSON.stringify(audio) === '["English","Russian"]', `audio menu from the AdaptationSets' languages: ${audio}`)
  await page.getByTestId('audio-option').nth(1).click()
  await waitFor(async () => (await page.getByTestId('audio-button').getAttribute('aria-label')).includes('Russian'), { what: 'Russian audio chosen' })
  await waitFor(
    () => page.evaluate(() => performance.getEntriesByType('resource').some((e) => /chunk-stream2-/.test(e.name))),
    { ms: 15_000, what: 'segments of the second audio set fetched' },
  )
})

test('a film still processing plays and shows its progress, live from /api/events (API faked)', async ({ page }) => {
  const item = playableItem({ title: 'Still cooking', status: 'processing', progress: 43, eta_s: 120, sprite_vtt: null })
  const fake = await installFakeLibrary(page, { items: [item] })
  await page.goto(`/library/${item.id}`)
  const label = page.getByTestId('item-processing-label')
  await waitFor(async () => (await label.textContent()).includes('Still processing, 43 %'), { what: '"still processing, 43 %" under the player' })
  await page.getByTestId('player').waitFor()
  fake.push('library.progress', { id: item.id, status: 'processing', progress: 71, eta_s: 30 })
  await waitFor(async () => (await label.textContent()).includes('71 %'), { what: 'the progress pushed by the server' })
  Object.assign(fake.item(item.id), { status: 'ready', progress: 100, eta_s: null })
  fake.push('library.ready', { id: item.id })
  await page.getByTestId('item-processing').waitFor({ state: 'detached' })
})

test('the owner sees why a film failed, retries it, edits it and deletes it (API faked)', async ({ page }) => {
  needAuth()
  const username = await registerViaUi(page)
  const item = fakeItem({
    title: 'Broken film',
    status: 'failed',
    error: 'No space left on device',
    can_edit: true,
    owner: { id: 2, username, display_name: username, avatar_url: null },
  })
  const fake = await installFakeLibrary(page, { items: [item] })
  await page.goto(`/library/${item.id}`)
  const error = page.getByTestId('item-error')
  await error.waitFor()
  assert((await error.textContent()).includes('No space left on device'), 'the reason is shown to the owner')
  await page.getByTestId('item-retry').click()
  await page.getByTestId('item-processing').waitFor()
  assert(fake.state.requests.some((r) => r.method === 'POST' && r.url.endsWith('/retry')), 'retry asked the server')

  await page.getByTestId('item-edit').click()
  await page.getByTestId('item-edit-title').fill('Fixed film')
  await page.getByTestId('item-edit-year').fill('1999')
  await page.getByTestId('item-edit-genres').fill('Drama, drama, Comedy')
  await page.getByTestId('item-edit-save').click()
  await waitFor(async () => (await page.getByTestId('item-title').textContent()).trim() === 'Fixed film', { what: 'the new title' })
  const patch = fake.state.requests.find((r) => r.method === 'PATCH')
  const sent = JSON.parse(patch.body)
  assert(sent.title === 'Fixed film' && sent.year === 1999 && JSON.stringify(sent.genres) === '["Drama","Comedy"]' && !('visibility' in sent), `PATCH sends only changes: ${patch.body}`)
  assert((await page.getByTestId('item-owner').getAttribute('href')) === `/u/${username}`, 'the owner links to the profile')
  await page.getByTestId('item-owner-tools').scrollIntoViewIfNeeded()
  await shot(page, 'library-item-owner')

  await page.getByTestId('poster-input').setInputFiles({ name: 'poster.png', mimeType: 'image/png', buffer: makePng(64, 96) })
  await waitFor(() => fake.item(item.id).poster?.includes('poster.jpg'), { what: 'the poster sent' })
  assert(fake.state.requests.some((r) => r.method === 'POST' && r.url.endsWith('/poster')), 'the poster went to POST .../poster')

  page.once('dialog', (dialog) => void dialog.accept())
  await page.getByTestId('item-delete').click()
  await page.waitForURL('**/library')
  assert(fake.state.items.length === 0, 'deleted on the server')
})

test('the owner cancels a transcode under way and starts it again (API faked)', async ({ page }) => {
  needAuth()
  const username = await registerViaUi(page)
  const owner = { id: 2, username, display_name: username, avatar_url: null }
  const item = fakeItem({ title: 'Long film', status: 'processing', progress: 12, eta_s: 600, can_edit: true, owner })
  const other = fakeItem({ title: 'Not mine', status: 'processing', progress: 50, eta_s: 60 })
  const fake = await installFakeLibrary(page, { items: [item, other] })
  await page.goto(`/library/${other.id}`)
  await page.getByTestId('item-processing').waitFor()
  assert((await page.getByTestId('item-cancel').count()) === 0, 'only the owner may cancel')

  await page.goto(`/library/${item.id}`)
  const cancel = page.getByTestId('item-cancel')
  await cancel.click()
  // The job stops a moment later: meanwhile the button says so and cannot be pressed again.
  await waitFor(async () => (await cancel.isDisabled()) && (await cancel.textContent()).includes('Cancelling'), { what: 'the button waiting for the job to stop' })
  Object.assign(fake.item(item.id), { status: 'failed', eta_s: null, error: 'cancelled' })
  fake.push('library.failed', { id: item.id, error: 'cancelled' })
  await page.getByTestId('item-cancelled').waitFor()
  assert((await page.getByTestId('item-processing').count()) === 0, 'no progress bar once cancelled')
  assert(fake.state.requests.some((r) => r.method === 'POST' && r.url.endsWith(`/${item.id}/cancel`)), 'cancel asked the server')
  await page.getByTestId('item-retry').click()
  await page.getByTestId('item-processing').waitFor()
  await page.getByTestId('item-cancel').waitFor()
})

test('Studio uploads several files with progress, pause and resume (tus faked)', async ({ page }) => {
  needAuth()
  await registerViaUi(page)
  const fake = await installFakeLibrary(page)
  const small = clip('small.mp4', { seconds: 2 })
  const other = clip('other.mp4', { seconds: 3 })
  await page.goto('/studio')
  await page.getByTestId('upload-input').setInputFiles([small, other])
  await waitFor(async () => (await page.locator('[data-testid="upload-row"][data-state="done"]').count()) === 2, { what: 'both uploads done' })
  for (const [path, upload] of [[small, 'up1'], [other, 'up2']]) assert(fake.sha256(upload) === sha256(path), `${path} arrived byte for byte`)
  const posts = fake.state.requests.filter((r) => r.method === 'POST' && r.url === '/api/uploads/')
  assert(posts.length === 2, `one tus creation per file: ${posts.length}`)
  assert(fake.state.uploads.get('up1').csrf, 'the CSRF token goes with the upload')
  assert(fake.state.uploads.get('up1').metadata.filename === 'small.mp4', 'the file name is in Upload-Metadata')
  const link = page.locator('[data-testid="upload-row"][data-name="small.mp4"]').getByTestId('upload-item-link')
  assert((await link.getAttribute('href')).startsWith('/library/fake'), 'a finished upload links to its item')
  await page.getByTestId('my-item').first().waitFor()

  // Pause mid-way (the network holds the PATCH after half the file), resume from where it was.
  const big = clip('pause.mp4', { seconds: 4 })
  const size = readFileSync(big).length
  fake.state.holdPatches = true
  fake.state.partialBytes = Math.floor(size / 2)
  await page.getByTestId('upload-input').setInputFiles(big)
  const row = page.locator('[data-testid="upload-row"][data-name="pause.mp4"]')
  await waitFor(() => fake.state.uploads.get('up3')?.patches > 0, { what: 'the first PATCH' })
  await row.getByTestId('upload-pause').click()
  await waitFor(async () => (await row.getAttribute('data-state')) === 'paused', { what: 'paused' })
  fake.state.holdPatches = false
  fake.releasePatches()
  await row.getByTestId('upload-resume').click()
  await waitFor(async () => (await row.getAttribute('data-state')) === 'done', { what: 'the resumed upload done' })
  const resumed = fake.state.requests.filter((r) => r.method === 'PATCH' && r.url === '/api/uploads/up3')
  assert(resumed.at(-1).offset === String(Math.floor(size / 2)), `resumed at the server's offset: ${JSON.stringify(resumed)}`)
  assert(fake.sha256('up3') === sha256(big), 'paused and resumed upload arrived byte for byte')
  await page.evaluate(() => document.getElementById('upload')?.scrollIntoView())
  await shot(page, 'studio-upload')
})

test('an upload interrupted by a page reload resumes where it stopped (tus faked)', async ({ page }) => {
  needAuth()
  await registerViaUi(page)
  const fake = await installFakeLibrary(page)
  const file = clip('reload.mp4', { seconds: 4 })
  const size = readFileSync(file).length
  fake.state.holdPatches = true
  fake.state.partialBytes = Math.floor(size / 3)
  await page.goto('/studio')
  await page.getByTestId('upload-input').setInputFiles(file)
  await waitFor(() => fake.state.uploads.get('up1')?.patches > 0, { what: 'the first PATCH under way' })
  await page.reload()
  const row = page.locator('[data-testid="upload-row"][data-name="reload.mp4"]')
  await waitFor(async () => (await row.getAttribute('data-state')) === 'unfinished', { what: 'the unfinished upload listed after the reload' })
  const pct = Number(await row.getByTestId('upload-progress').getAttribute('data-percent'))
  assert(pct === Math.floor((Math.floor(size / 3) / size) * 100), `it shows how far the server has it: ${pct} %`)
  fake.state.holdPatches = false
  fake.releasePatches()
  await page.getByTestId('upload-input').setInputFiles(file)
  await waitFor(async () => (await row.getAttribute('data-state')) === 'done', { what: 'the resumed upload done' })
  assert(fake.state.uploads.size === 1, 'no second upload was created: the same one was resumed')
  const patches = fake.state.requests.filter((r) => r.method === 'PATCH')
  assert(patches.at(-1).offset === String(Math.floor(size / 3)), `the last PATCH starts at the server's offset: ${JSON.stringify(patches)}`)
  assert(fake.sha256('up1') === sha256(file), 'the file arrived byte for byte')
})
