// The shell: navigation, languages, theme, the phone layout.
import { assert, waitFor } from '../harness.mjs'
import { server, shot, test } from '../support.mjs'

const NAV_EN = { live: 'Live', library: 'Library', poster: 'Poster', history: 'History', studio: 'Studio' }
const NAV_RU = { live: 'Эфир', library: 'Фильмотека', poster: 'Афиша', history: 'История', studio: 'Студия' }

async function navLabels(page) {
  const labels = {}
  for (const id of Object.keys(NAV_EN)) labels[id] = (await page.getByTestId(`nav-${id}`).first().textContent())?.trim()
  return labels
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
  await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor({ timeout: 10_000 })
  await page.goto('/live')
  await page.getByTestId('live-card').first().waitFor({ timeout: 15_000 })
  await shot(page, 'phone-live')
}, { viewport: { width: 390, height: 844 } })

test('a menu opened while the first page is still loading stays open', async ({ page }) => {
  // The header is on screen before the app's first navigation lands: the router's guard waits
  // for GET /api/auth/session and the page's code. A slow server or phone makes that wait long;
  // here the session's answer is held until the menu is open, then let through.
  let release
  const held = new Promise((resolve) => (release = resolve))
  await page.route('**/api/auth/session', async (route) => {
    await held
    await route.continue()
  })
  await page.goto('/live')
  await page.getByRole('button', { name: 'Open menu' }).click()
  release()
  await page.getByTestId('live-card').first().waitFor({ timeout: 15_000 }) // /live has landed
  assert(await page.locator('#mobile-nav').isVisible(), 'the menu closed by itself when the first page landed')
  assert((await page.getByRole('button', { name: 'Close menu' }).getAttribute('aria-expanded')) === 'true', 'the menu button says open')
  await page.locator('#mobile-nav').getByTestId('nav-library').click()
  await page.getByRole('heading', { level: 1, name: 'Library' }).waitFor({ timeout: 10_000 })
  assert((await page.locator('#mobile-nav').count()) === 0, 'the menu closes once a link in it was followed')
}, { viewport: { width: 390, height: 844 } })
