// Live experience (issue 16): the watch page's states as a viewer sees them while a real
// publisher (ffmpeg) comes, drops, comes back and ends; two people chatting.
import { assert, waitFor } from '../harness.mjs'
import { createStreamKey, expectPlaying, needAuth, needLive, registerViaUi, server, shot, startPublishing, test, waitForLive } from '../support.mjs'

const badge = (page) => page.getByTestId('live-badge')
const messageText = (page) => page.getByTestId('player-message').textContent({ timeout: 1000 }).catch(() => '')
const spinners = (page) => page.locator('[data-testid="player"] .spinner:visible').count()

test('a publisher that drops shows Reconnecting, plays on when back, and the end shows no LIVE badge and no spinner', async ({ page }) => {
  needAuth()
  needLive()
  await registerViaUi(page)
  const { key, stream } = await createStreamKey(page, 'States')
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
