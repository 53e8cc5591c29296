// The Poster (plugins/schedule) against the real plugin: next month's events on the agenda and
// the month calendar in the browser's time zone (emulated Moscow and New York), the view choice
// remembered; a premiere's countdown turning into the film playing live, with the reminder shown
// in the page and through the Notification API; an event added with the form, edited, cancelled
// and deleted by its owner (and not by anyone else). Skipped, saying why, without the plugin.
import { join } from 'node:path'
import { assert, getJson, skip, waitFor } from '../harness.mjs'
import { cachedClip } from '../media.mjs'
import { apiCall, createStreamKey, expectPlaying, needAuth, needLibrary, needMediaDir, registerViaUi, server, shot, test } from '../support.mjs'

async function needPoster() {
  needAuth()
  const r = await getJson(`${server.url}/api/poster`)
  if (r.status === 404) skip('no poster: GET /api/poster is 404 (the schedule plugin is not loaded)')
}

const call = apiCall

/** In 20 days at 02:30 UTC: the day before in New York (21:30 or 22:30), 05:30 in Moscow. */
function nextMonthStart() {
  const d = new Date(Date.now() + 20 * 86_400_000)
  d.setUTCHours(2, 30, 0, 0)
  return d
}
const dayOf = (date, timeZone) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date)
const timeOf = (date, timeZone) => new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' }).format(date)

test('the Poster shows next month’s events on the agenda and the month calendar in the viewer’s time zone', async ({ page, browser }) => {
  await needPoster()
  const username = await registerViaUi(page)
  const key = await createStreamKey(page, 'Poster key')
  const start = nextMonthStart()
  const created = await call(page, 'POST', '/api/poster/events', {
    kind: 'live',
    stream_key_id: key.id,
    title: 'Night concert',
    starts_at: start.toISOString().replace(/\.\d+Z$/, 'Z'),
    duration_s: 3600,
  })
  assert(created.status === 201, `create: ${JSON.stringify(created)}`)
  const id = created.body.id

  for (const timezoneId of ['Europe/Moscow', 'America/New_York']) {
    const context = await browser.newContext({ baseURL: server.url, timezoneId, locale: 'en-US', viewport: { width: 1280, height: 900 } })
    try {
      const viewer = await context.newPage()
      await viewer.goto('/poster')
      const card = viewer.locator(`[data-testid="poster-event"][data-event-id="${id}"]`)
      await card.waitFor()
      const day = await card.locator('xpath=ancestor::*[@data-testid="poster-day"]').getAttribute('data-day')
      assert(day === dayOf(start, timezoneId), `${timezoneId}: the agenda day ${day}, expected ${dayOf(start, timezoneId)}`)
      const time = (await card.getByTestId('poster-event-time').textContent()).trim()
      assert(time === timeOf(start, timezoneId), `${timezoneId}: shown at ${time}, expected ${timeOf(start, timezoneId)}`)
      const status = (await card.getByTestId('poster-event-status').textContent()).trim()
      assert(/^in \d+ days$/.test(status), `${timezoneId}: says "${status}"`)
      assert((await card.textContent()).includes(username), 'the owner is named')
      assert((await viewer.getByText(timezoneId, { exact: false }).count()) > 0, 'the page says which zone its times are in')

      // The month calendar: the event in its local day's cell; the choice is remembered.
      await viewer.getByTestId('poster-view-month').click()
      const monthOfEvent = dayOf(start, timezoneId).slice(0, 7)
      const shownMonth = () => new Date().toLocaleDateString('en-CA', { timeZone: timezoneId }).slice(0, 7)
      if (monthOfEvent !== shownMonth()) await viewer.getByTestId('poster-next-month').click()
      const cell = viewer.locator(`[data-testid="poster-cell"][data-day="${dayOf(start, timezoneId)}"]`)
      await cell.locator(`[data-event-id="${id}"]`).waitFor()
      if (timezoneId === 'Europe/Moscow') await shot(viewer, 'poster-month')
      await viewer.goto('/poster')
      await viewer.getByTestId('poster-calendar').waitFor()
      assert((await viewer.getByTestId('poster-view-month').getAttribute('aria-pressed')) === 'true', 'the month view is remembered')
    } finally {
      await context.close()
    }
  }

  // Cancelled, it stays on the poster marked so.
  const cancelled = await call(page, 'POST', `/api/poster/events/${id}/cancel`, { reason: 'The band is ill' })
  assert(cancelled.status === 200, `cancel: ${JSON.stringify(cancelled)}`)
  await page.goto('/poster')
  await page.getByTestId('poster-view-agenda').click()
  const card = page.locator(`[data-testid="poster-event"][data-event-id="${id}"]`)
  await waitFor(async () => (await card.getAttribute('data-status')) === 'cancelled', { what: 'the event marked cancelled' })
  assert((await card.textContent()).includes('The band is ill'), 'the reason is shown')
})

test('a premiere counts down, reminds the viewer in the page and with a notification, then plays live', async ({ page, context }) => {
  await needPoster()
  needLibrary()
  needMediaDir()
  await registerViaUi(page)
  const file = cachedClip(join(server.dataDir, 'e2e-clips'), 'e2e premiere film.mp4', { seconds: 12 })
  await page.goto('/studio')
  await page.getByTestId('upload-input').setInputFiles(file)
  const row = page.locator('[data-testid="upload-row"][data-name="e2e premiere film.mp4"]')
  await waitFor(async () => (await row.getAttribute('data-state')) === 'done', { ms: 30_000, what: 'the upload done' })
  const itemId = decodeURIComponent((await row.getByTestId('upload-item-link').getAttribute('href')).split('/').pop())
  await waitFor(
    async () => (await call(page, 'GET', `/api/library/items/${encodeURIComponent(itemId)}`)).body?.status === 'ready',
    { ms: 120_000, every: 1000, what: 'the film ready' },
  )

  // Notifications allowed; each one the page makes is remembered for the test to read.
  await context.grantPermissions(['notifications'], { origin: server.url })
  await context.addInitScript(() => {
    const Real = window.Notification
    window.__notifications = []
    class Recorded extends Real {
      constructor(title, options) {
        window.__notifications.push({ title, body: options?.body ?? '' })
        super(title, options)
      }
    }
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission })
    window.Notification = Recorded
  })

  const startsAt = new Date(Math.ceil((Date.now() + 12_000) / 1000) * 1000)
  const created = await call(page, 'POST', '/api/poster/events', {
    kind: 'premiere',
    item_id: itemId,
    title: 'E2E premiere',
    starts_at: startsAt.toISOString().replace(/\.\d+Z$/, 'Z'),
  })
  assert(created.status === 201, `create: ${JSON.stringify(created)}`)
  const id = created.body.id

  await page.goto(`/poster/${id}`)
  const countdown = page.getByTestId('poster-countdown')
  await countdown.waitFor()
  assert(/^00:00:\d\d$/.test((await countdown.textContent()).trim()), `countdown: ${await countdown.textContent()}`)
  assert((await page.getByTestId('player-video').count()) === 0, 'no player before the start')
  await page.getByTestId('poster-remind').click()
  await waitFor(async () => (await page.getByTestId('poster-remind').getAttribute('aria-pressed')) === 'true', { what: 'the reminder set' })
  await shot(page, 'poster-countdown')

  // At the start: the reminder in the page and as a notification, the film playing live.
  const notice = page.getByTestId('poster-reminder')
  await notice.waitFor({ timeout: 30_000 })
  assert((await notice.textContent()).includes('E2E premiere'), `notice: ${await notice.textContent()}`)
  const shown = await waitFor(async () => {
    const list = await page.evaluate(() => window.__notifications)
    return list.length ? list : null
  }, { what: 'a browser notification' })
  assert(shown[0].title.includes('E2E premiere'), `notification: ${JSON.stringify(shown)}`)
  await page.getByTestId('poster-live-badge').waitFor({ timeout: 30_000 })
  await expectPlaying(page, 'the premiere')
  const listed = await getJson(`${server.url}/api/live`)
  const entry = listed.body?.find?.((s) => s.stream === `premiere-${id}`)
  assert(entry?.kind === 'premiere' && entry.page === `/poster/${id}`, `/api/live lists the premiere: ${JSON.stringify(listed.body)}`)
  await shot(page, 'poster-premiere-live')
})

/** A datetime-local input's text for `date` in the page's (the browser's) zone. */
const localInput = (page, date) =>
  page.evaluate((ms) => {
    const d = new Date(ms)
    const pad = (n) => String(n).padStart(2, '0')
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
  }, date.getTime())

test('the owner adds a live event with the form, edits it on its page (title, time, description, visibility), then cancels and deletes it', async ({ page, browser }) => {
  await needPoster()
  await registerViaUi(page)
  await createStreamKey(page, 'Edit key')
  const start = nextMonthStart()
  await page.goto('/poster')
  await page.getByTestId('poster-add').click()
  await page.getByLabel('Live event').check()
  await page.getByTestId('poster-create-key').waitFor()
  await page.getByTestId('poster-create-title').fill('Morning talk')
  await page.getByTestId('poster-create-time').fill(await localInput(page, start))
  await page.getByTestId('poster-create-submit').click()
  await page.waitForURL((url) => url.pathname.startsWith('/poster/'))
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop())
  await page.getByRole('heading', { name: 'Morning talk' }).waitFor()
  const made = await call(page, 'GET', `/api/poster/events/${id}`)
  assert(made.body.kind === 'live' && Date.parse(made.body.starts_at) === start.getTime() && made.body.duration_s === 3600,
    `made as typed: ${JSON.stringify(made.body)}`)

  // Someone else may open it but sees no Edit, Cancel or Delete.
  const other = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } })
  try {
    const stranger = await other.newPage()
    await registerViaUi(stranger)
    await stranger.goto(`/poster/${id}`)
    await stranger.getByRole('heading', { name: 'Morning talk' }).waitFor()
    for (const button of ['poster-edit', 'poster-cancel', 'poster-delete'])
      assert((await stranger.getByTestId(button).count()) === 0, `a stranger sees no ${button}`)
  } finally {
    await other.close()
  }

  // The owner edits it: a day and two hours later, in the browser's own zone.
  await page.goto(`/poster/${id}`)
  await page.getByTestId('poster-edit').click()
  const form = page.getByTestId('poster-edit-form')
  await form.waitFor()
  const moved = new Date(start.getTime() + 26 * 3_600_000)
  const movedLocal = await localInput(page, moved)
  assert((await page.getByTestId('poster-edit-title').inputValue()) === 'Morning talk', 'the form starts from the event')
  await page.getByTestId('poster-edit-title').fill('Evening talk')
  await page.getByTestId('poster-edit-time').fill(movedLocal)
  await page.getByTestId('poster-edit-description').fill('Moved to the evening.')
  await page.getByTestId('poster-edit-visibility').selectOption('unlisted')
  await page.getByTestId('poster-edit-save').click()
  await page.getByRole('heading', { name: 'Evening talk' }).waitFor()
  await form.waitFor({ state: 'detached' })
  const when = await page.getByTestId('poster-event-when').getAttribute('datetime')
  assert(Date.parse(when) === moved.getTime(), `the page shows the new start: ${when}, expected ${moved.toISOString()}`)
  assert((await page.getByText('Moved to the evening.').count()) === 1, 'the new description is shown')
  const stored = await call(page, 'GET', `/api/poster/events/${id}`)
  assert(stored.body.title === 'Evening talk' && stored.body.visibility === 'unlisted' && stored.body.sequence === 1,
    `the server has the edit, SEQUENCE bumped once: ${JSON.stringify(stored.body)}`)
  assert(Date.parse(stored.body.starts_at) === moved.getTime(), `stored start ${stored.body.starts_at}`)
  await shot(page, 'poster-edit')

  // A time in the past is refused in the form, nothing sent.
  await page.getByTestId('poster-edit').click()
  await page.getByTestId('poster-edit-time').fill('2020-01-01T10:00')
  await page.getByTestId('poster-edit-save').click()
  await page.getByTestId('poster-edit-error').waitFor()
  assert((await call(page, 'GET', `/api/poster/events/${id}`)).body.sequence === 1, 'a refused edit changes nothing')
  await page.getByRole('button', { name: 'Cancel', exact: true }).click()

  // Cancel (confirmed): it stays, marked cancelled, and can no longer be edited.
  page.once('dialog', (d) => void d.accept())
  await page.getByTestId('poster-cancel').click()
  await page.getByTestId('poster-cancelled').waitFor()
  assert((await page.getByTestId('poster-edit').count()) === 0, 'a cancelled event has no Edit')
  assert((await call(page, 'GET', `/api/poster/events/${id}`)).body.status === 'cancelled', 'cancelled on the server')

  // Delete (confirmed): back to the poster, the event is gone.
  page.once('dialog', (d) => void d.accept())
  await page.getByTestId('poster-delete').click()
  await page.waitForURL((url) => url.pathname === '/poster')
  await waitFor(async () => (await call(page, 'GET', `/api/poster/events/${id}`)).status === 404, { what: 'the event deleted' })
  assert((await page.locator(`[data-event-id="${id}"]`).count()) === 0, 'not on the poster')
})
