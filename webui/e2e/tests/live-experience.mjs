// Live experience (issue 16): the watch page's states as a viewer sees them while a real
// publisher (ffmpeg) comes, drops, comes back and ends; two people chatting.
import { createServer } from 'node:http'
import { assert, getJson, skip, waitFor } from '../harness.mjs'
import { apiCall, createStreamKey, expectPlaying, makePng, needAuth, needLive, registerViaUi, server, shot, startPublishing, test, waitForLive } from '../support.mjs'

const badge = (page) => page.getByTestId('live-badge')
const messageText = (page) => page.getByTestId('player-message').textContent({ timeout: 1000 }).catch(() => '')
const spinners = (page) => page.locator('[data-testid="player"] .spinner:visible').count()

test('a publisher that drops shows Reconnecting, plays on when back, and the end shows no LIVE badge, no spinner, and the replay', async ({ page }) => {
  needAuth()
  needLive()
  await registerViaUi(page)
  const { key, stream, id } = await createStreamKey(page, 'States')
  // Recorded: once it ends, the recording becomes a library item, the replay.
  await page.evaluate(async (keyId) => {
    const session = await fetch('/api/auth/session').then((r) => r.json())
    await fetch(`/api/me/stream-keys/${keyId}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token },
      body: JSON.stringify({ record: true }),
    })
  }, id)
  const url = `${server.rtmp}/${key}`
  let publisher = startPublishing(url)
  try {
    await waitForLive(stream, { what: publisher.stderr() })
    await page.goto(`/live/${stream}`)
    await expectPlaying(page, 'the stream')
    assert((await badge(page).textContent()).includes('Live'), 'a LIVE badge while it plays')

    // The publisher drops: the grace period runs (rtmp reconnect_grace_s, 10 s by default).
    await publisher.stop()
    await waitFor(async () => (await messageText(page)).includes('Reconnecting'), { ms: 10_000, what: '"Reconnecting…" over the player' })
    assert((await badge(page).textContent()).includes('Reconnecting'), 'the badge says Reconnecting, not LIVE')
    await shot(page, 'watch-reconnecting')

    // Back within the grace period: the same stream plays on.
    publisher = startPublishing(url)
    await waitForLive(stream, { state: 'live', what: publisher.stderr() })
    await waitFor(async () => !(await messageText(page)), { ms: 20_000, what: 'the Reconnecting message to go' })
    await expectPlaying(page, 'the stream after the reconnect')
    assert((await badge(page).textContent()).includes('Live'), 'LIVE again')

    // It ends: after the grace period the page says so, without a LIVE badge or a spinner.
    await publisher.stop()
    await waitFor(async () => (await messageText(page)).includes('The stream has ended'), { ms: 25_000, what: '"The stream has ended"' })
    assert((await badge(page).count()) === 0, 'no LIVE badge once ended')
    assert((await spinners(page)) === 0, 'no spinner once ended')
    // The replay, once the library has the recording.
    await page.getByTestId('watch-replay').waitFor({ timeout: 40_000 })
    await shot(page, 'watch-ended')
  } finally {
    await publisher.stop()
  }
}, { timeoutMs: 120_000 })

test('two people chat with each other on a live stream, emoji included', async ({ page, browser }) => {
  needAuth()
  needLive()
  const streamer = await registerViaUi(page)
  const { key, stream } = await createStreamKey(page, 'Chat')
  const publisher = startPublishing(`${server.rtmp}/${key}`)
  const other = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 }, colorScheme: 'dark' })
  try {
    await waitForLive(stream, { what: publisher.stderr() })
    const viewer = await other.newPage()
    const viewerName = await registerViaUi(viewer)
    await page.goto(`/live/${stream}`)
    await viewer.goto(`/live/${stream}`)
    for (const p of [page, viewer]) await p.getByTestId('chat-input').and(p.locator(':enabled')).waitFor({ timeout: 15_000 })

    await viewer.getByTestId('chat-input').fill('hello from the audience 👋')
    await viewer.getByTestId('chat-send').click()
    const streamerSees = page.getByTestId('chat-message').filter({ hasText: 'hello from the audience 👋' })
    await streamerSees.waitFor({ timeout: 10_000 })
    assert((await streamerSees.textContent()).includes(viewerName), 'the message shows who wrote it')

    await page.getByTestId('chat-input').fill('welcome! <b>not bold</b>')
    await page.keyboard.press('Enter')
    const viewerSees = viewer.getByTestId('chat-message').filter({ hasText: 'welcome! <b>not bold</b>' })
    await viewerSees.waitFor({ timeout: 10_000 })
    assert((await viewerSees.textContent()).includes('Streamer'), `the streamer is marked (${streamer})`)
    assert((await viewer.locator('[data-testid="chat-message"] b').count()) === 0, 'text is never HTML')

    // Someone who joins later gets the history.
    const late = await other.newPage()
    await late.goto(`/live/${stream}`)
    await late.getByTestId('chat-message').filter({ hasText: 'hello from the audience 👋' }).waitFor({ timeout: 10_000 })
    await shot(viewer, 'watch-chat')
  } finally {
    await other.close()
    await publisher.stop()
  }
})

test('a channel page shows the offline banner, then the stream while live; followers count; an unknown name is no such channel', async ({ page, browser }) => {
  needAuth()
  needLive()
  const streamer = await registerViaUi(page)
  const { key, stream } = await createStreamKey(page, 'Channel')
  await page.goto(`/c/${streamer}`)
  await page.getByTestId('channel-offline').waitFor()
  assert((await page.title()).includes(streamer), `the tab is named after the channel: ${await page.title()}`)

  // Someone follows: the count says so, on their page and the streamer's.
  const other = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 }, colorScheme: 'dark' })
  const publisher = startPublishing(`${server.rtmp}/${key}`)
  try {
    const fan = await other.newPage()
    await registerViaUi(fan)
    await fan.goto(`/c/${streamer}`)
    await fan.getByTestId('follow-button').click()
    await waitFor(async () => (await fan.getByTestId('follower-count').textContent()).includes('1 follower'), { what: '1 follower' })
    assert((await fan.getByTestId('follow-button').getAttribute('aria-pressed')) === 'true', 'the button says following')

    await waitForLive(stream, { what: publisher.stderr() })
    await page.reload()
    await page.getByTestId('channel-live').waitFor({ timeout: 15_000 })
    await expectPlaying(page, 'the channel page player')
    assert((await page.getByTestId('follower-count').textContent()).includes('1 follower'), 'the streamer sees the follower')
    await shot(page, 'channel-live')
    await page.getByTestId('channel-watch').click()
    await page.waitForURL(`**/live/${stream}`)
  } finally {
    await other.close()
    await publisher.stop()
  }
  await page.goto('/c/nobody-at-all')
  await page.getByTestId('channel-nosuch').waitFor()
  assert((await page.title()).startsWith('No such channel'), `tab title: ${await page.title()}`)
})

test('the channel page shows what is next on the poster: a card when offline, a line under the player when live, a private event only to its owner', async ({ page, browser }) => {
  needAuth()
  needLive()
  if ((await getJson(`${server.url}/api/poster`)).status === 404) skip('no poster: the schedule plugin is not loaded')
  const streamer = await registerViaUi(page)
  const key = await createStreamKey(page, 'Next')
  const at = (ms) => new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z')
  const event = async (title, startsInMs, visibility) => {
    const r = await apiCall(page, 'POST', '/api/poster/events', { kind: 'live', stream_key_id: key.id, title, starts_at: at(startsInMs), duration_s: 3600, visibility })
    assert(r.status === 201, `create ${title}: ${JSON.stringify(r)}`)
    return r.body
  }
  const secret = await event('Closed rehearsal', 2 * 3600_000, 'private')
  const show = await event('Season finale 🎬', 3 * 86_400_000 + 600_000, 'public')

  const visitor = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'Asia/Tokyo' })
  let publisher = null
  try {
    const guest = await visitor.newPage()
    await guest.goto(`/c/${streamer}`)
    await guest.getByTestId('channel-offline').waitFor()
    const card = guest.getByTestId('channel-next')
    await card.waitFor()
    assert((await card.getAttribute('data-event-id')) === show.id, 'a visitor sees the public event, not the private one')
    assert((await card.getByTestId('channel-next-link').textContent()).trim() === 'Season finale 🎬', 'its title')
    const shown = (await card.getByTestId('channel-next-time').textContent()).trim()
    const tokyo = new Date(show.starts_at).toLocaleString('en-US', { timeZone: 'Asia/Tokyo', weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' })
    assert(shown === tokyo, `the start in the viewer's zone: "${shown}", expected "${tokyo}"`)
    const status = (await card.getByTestId('channel-next-status').textContent()).trim()
    assert(/^Starts in [34] days$/.test(status), `the countdown says "${status}" (3 days and 10 minutes ahead: 3 or 4 calendar days in Tokyo)`)
    await shot(guest, 'channel-next-on-poster')

    // Its owner sees the private one first, with a ticking clock (less than a day ahead).
    await page.goto(`/c/${streamer}`)
    const mine = page.getByTestId('channel-next')
    await mine.waitFor()
    assert((await mine.getAttribute('data-event-id')) === secret.id, 'the owner sees their private event')
    const clock = async () => (await mine.getByTestId('channel-next-status').textContent()).trim()
    const first = await clock()
    assert(/^Starts in \d\d:\d\d:\d\d$/.test(first), `a clock: "${first}"`)
    await waitFor(async () => (await clock()) !== first, { ms: 5000, what: 'the clock to tick' })

    // Live: one line under the player, linking to the event's page.
    publisher = startPublishing(`${server.rtmp}/${key.key}`)
    await waitForLive(key.stream, { what: publisher.stderr() })
    await guest.reload()
    const live = guest.getByTestId('channel-live')
    await live.waitFor({ timeout: 15_000 })
    await live.getByTestId('channel-next').waitFor()
    await live.getByTestId('channel-next-link').click()
    await guest.waitForURL(`**/poster/${show.id}`)
  } finally {
    await visitor.close()
    await publisher?.stop()
  }
})

test('the channel owner uploads an offline banner that visitors see on the channel page, and removes it', async ({ page, browser }) => {
  needAuth()
  const streamer = await registerViaUi(page)
  await page.goto(`/c/${streamer}`)
  await page.getByTestId('channel-offline').waitFor()
  await page.getByTestId('banner-input').setInputFiles({ name: 'banner.png', mimeType: 'image/png', buffer: makePng(800, 200) })
  const banner = page.getByTestId('channel-offline')
  await waitFor(async () => (await banner.evaluate((el) => getComputedStyle(el).backgroundImage)).includes('/media/banners/'), { what: 'the banner shown' })
  await shot(page, 'channel-banner')

  const visitor = await browser.newContext({ baseURL: server.url })
  try {
    const other = await visitor.newPage()
    await other.goto(`/c/${streamer}`)
    const theirs = other.getByTestId('channel-offline')
    await theirs.waitFor()
    const url = (await theirs.evaluate((el) => getComputedStyle(el).backgroundImage)).match(/url\("?([^")]+)"?\)/)?.[1]
    assert(url && url.includes('/media/banners/'), `a visitor sees the banner: ${url}`)
    const size = await other.evaluate(async (src) => {
      const img = new Image()
      img.src = src
      await img.decode()
      return `${img.naturalWidth}x${img.naturalHeight}`
    }, url)
    assert(size === '1280x320', `the server made a 4:1 banner: ${size}`)
    assert((await other.getByTestId('banner-upload').count()) === 0, 'only the owner may change it')
  } finally {
    await visitor.close()
  }

  await page.getByTestId('banner-remove').click()
  await waitFor(async () => !(await banner.evaluate((el) => getComputedStyle(el).backgroundImage)).includes('/media/banners/'), { what: 'the banner removed' })
})

test('the share button gives a link and an iframe whose player-only page plays inside another page', async ({ page }) => {
  needAuth()
  needLive()
  await registerViaUi(page)
  const { key, stream } = await createStreamKey(page, 'Embed')
  const publisher = startPublishing(`${server.rtmp}/${key}`)
  let hostSite = null
  try {
    await waitForLive(stream, { what: publisher.stderr() })
    await page.goto(`/live/${stream}`)
    await page.getByTestId('share-button').click()
    const link = await page.getByTestId('share-link').inputValue()
    const code = await page.getByTestId('share-embed').inputValue()
    assert(link === `${server.url}/live/${stream}`, `share link: ${link}`)
    const src = /<iframe src="([^"]+)"/.exec(code)?.[1]
    assert(src === `${server.url}/embed/live/${stream}`, `embed code: ${code}`)

    // Another site's page (another origin: its own port) frames it: the CSP of /embed/ allows
    // any frame-ancestors, the rest of the web UI none.
    const site = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><title>another site</title>${req.url === '/watch-page' ? code.replace('/embed/live/', '/live/') : code}`)
    })
    await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve))
    hostSite = site
    const siteUrl = `http://127.0.0.1:${site.address().port}`
    await page.goto(`${siteUrl}/`)
    const frame = page.frameLocator('iframe')
    await waitFor(
      () => frame.locator('[data-testid="player-video"]').evaluate((v) => v.currentTime > 0.5 && v.videoWidth > 0).catch(() => false),
      { ms: 30_000, what: 'the embedded player to play' },
    )
    assert((await frame.locator('header.app-header').count()) === 0, 'no site header in the embed')
    assert((await frame.getByTestId('embed-watch-on').getAttribute('href')) === link, 'the embed links to the full page')
    await shot(page, 'embed-in-a-page')

    // The full watch page is not framable (clickjacking): its frame stays empty.
    await page.goto(`${siteUrl}/watch-page`)
    await page.waitForTimeout(1500)
    assert((await frame.locator('[data-testid="player"]').count()) === 0, 'the watch page refuses to be framed')
  } finally {
    hostSite?.close()
    await publisher.stop()
  }
})

test('Studio: title and category shown to viewers, stream health while live, and a warning for a long keyframe interval', async ({ page }) => {
  needAuth()
  needLive()
  await registerViaUi(page)
  const { key, stream } = await createStreamKey(page, 'Studio')
  await page.goto('/studio')
  assert((await page.getByTestId('obs-keyframe').textContent()).includes('Keyframe Interval: 2 s'), 'the OBS card asks for 2 s keyframes')
  await page.getByTestId('channel-title-input').fill('Evening stream 🎮')
  await page.getByTestId('channel-category-input').fill('Games')
  await page.getByTestId('channel-save').click()
  await page.getByTestId('channel-saved').waitFor()

  // A keyframe every 5 s (125 frames at 25 fps) on a layout of 2 s segments.
  const publisher = startPublishing(`${server.rtmp}/${key}`, { gop: 125 })
  try {
    const listed = await waitForLive(stream, { what: publisher.stderr() })
    assert(listed.title === 'Evening stream 🎮' && listed.category === 'Games', `/api/live: ${JSON.stringify(listed)}`)
    const health = page.getByTestId('stream-health')
    await health.waitFor({ timeout: 15_000 })
    const warning = page.getByTestId('health-warning-keyframe')
    await warning.waitFor({ timeout: 25_000 })
    const text = await warning.textContent()
    assert(/keyframe interval is 5 s, longer than the 2 s segments/.test(text), `warning: ${text}`)
    assert((await page.getByTestId('health-keyframe').textContent()).includes('5 s'), 'the measured interval is shown')
    assert(Number.parseFloat((await page.getByTestId('health-fps').locator('dd').textContent()) ?? '0') > 15, 'frames arrive')
    await shot(page, 'studio-health')

    await page.goto(`/live/${stream}`)
    await waitFor(async () => (await page.getByTestId('watch-title').textContent()).includes('Evening stream 🎮'), { what: 'the title on the watch page' })
    assert((await page.getByTestId('watch-category').textContent()) === 'Games', 'the category on the watch page')
  } finally {
    await publisher.stop()
  }
})

test('a follower gets an in-app notice when the channel goes live, and the Following row shows it live', async ({ page, browser }) => {
  needAuth()
  needLive()
  const streamer = await registerViaUi(page)
  const { key, stream } = await createStreamKey(page, 'Followed')
  const other = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 }, colorScheme: 'dark' })
  await other.grantPermissions(['notifications'])
  let publisher = null
  try {
    const fan = await other.newPage()
    await registerViaUi(fan)
    await fan.goto(`/c/${streamer}`)
    await fan.getByTestId('follow-button').click()
    await waitFor(async () => (await fan.getByTestId('follow-button').getAttribute('aria-pressed')) === 'true', { what: 'following' })
    await fan.goto('/live')
    const row = fan.getByTestId('following-row')
    await row.getByTestId('following-channel').filter({ hasText: streamer }).waitFor()
    assert((await row.textContent()).includes('Offline'), 'offline before')
    await fan.getByTestId('notifications-on').waitFor({ timeout: 5000 })

    publisher = startPublishing(`${server.rtmp}/${key}`)
    const notice = fan.getByTestId('live-notice').filter({ hasText: `${streamer} is live` })
    await notice.waitFor({ timeout: 30_000 })
    await waitFor(async () => (await row.getByTestId('following-channel').filter({ hasText: streamer }).getAttribute('href')) === `/live/${stream}`, {
      ms: 10_000,
      what: 'the Following row links to the live stream',
    })
    await shot(fan, 'follow-notice')
    await notice.getByTestId('live-notice-watch').click()
    await fan.waitForURL(`**/live/${stream}`)
  } finally {
    await other.close()
    await publisher?.stop()
  }
})

test('rewind a live stream 30 s, see how far behind it is, and return to live', async ({ page }) => {
  needAuth()
  needLive()
  await registerViaUi(page)
  const { key, stream } = await createStreamKey(page, 'Rewind')
  const publisher = startPublishing(`${server.rtmp}/${key}`, { seconds: 90 })
  try {
    await waitForLive(stream, { what: publisher.stderr() })
    await page.goto(`/live/${stream}`)
    await expectPlaying(page, 'the stream')
    // The rewind bar shows once the window holds 30 s (the DVR window keeps up to 30 min).
    const seek = page.getByTestId('live-seek')
    await page.getByTestId('player').hover()
    await seek.waitFor({ timeout: 60_000 })
    await waitFor(async () => Number(await seek.getAttribute('max')) >= 34, { ms: 20_000, what: 'a window of 34 s' })
    await seek.evaluate((el) => {
      el.value = String(Number(el.max) - 30)
      el.dispatchEvent(new Event('input', { bubbles: true }))
    })
    const behind = page.getByTestId('behind-live')
    await page.getByTestId('player').hover()
    await waitFor(async () => /−0:(2[5-9]|3\d)/.test((await behind.textContent().catch(() => '')) ?? ''), { ms: 10_000, what: 'about 30 s behind live' })
    await expectPlaying(page, 'the rewound stream')
    await shot(page, 'watch-rewound')
    await page.getByTestId('player').hover()
    await page.getByTestId('live-edge').click()
    await waitFor(async () => (await behind.count()) === 0, { ms: 10_000, what: 'back at the live edge' })
    const lag = await page.getByTestId('player-video').evaluate((v) => v.seekable.end(v.seekable.length - 1) - v.currentTime)
    assert(lag < 12, `near the live edge again (${lag.toFixed(1)} s behind the end of the window)`)
  } finally {
    await publisher.stop()
  }
}, { timeoutMs: 150_000 })
