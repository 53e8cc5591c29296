// Layout and accessibility (issue 16): axe-core over every page (no serious or critical
// violation of WCAG 2 A/AA), and the Russian phone layout without horizontal scrolling.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { assert, skip } from '../harness.mjs'
import { ADMIN, becomeAdminOrSkip, needAuth, server, shot, test } from '../support.mjs'

// axe-core (npm, a devDependency): read when a test runs, so a missing install fails that test
// only. It is evaluated through the DevTools protocol: the page's CSP refuses inline scripts.
let axeSource = null
const axe = () => (axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'))

// Pages as a guest, then as the first admin (who sees every page, Studio and Admin included).
const GUEST_PAGES = ['/live', '/live/demo', '/live/nobody-here', '/library', '/login', '/register', '/c/admin', '/u/admin', '/embed/live/demo', '/no-such-page']
const ADMIN_PAGES = ['/live', '/studio', '/admin', '/admin/users', '/admin/invites', '/admin/groups', '/settings/profile', '/history', '/poster', '/c/admin']

/** Serious and critical violations on the page now, as "rule: target (summary)" lines. */
async function violations(page) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(axe())
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] }),
  )
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.slice(0, 3).map((n) => `${v.id}: ${n.target.join(' ')} (${n.failureSummary?.split('\n')[1]?.trim() ?? v.help})`))
}

async function settle(page, path) {
  await page.goto(path)
  await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => undefined)
  await page.waitForTimeout(700) // transitions and lazy parts
}

async function checkPages(page, paths, who) {
  const found = []
  for (const path of paths) {
    await settle(page, path)
    for (const v of await violations(page)) found.push(`${who} ${path}: ${v}`)
  }
  return found
}

test('axe-core finds no serious accessibility violation on any page, in both themes', async ({ page }) => {
  // The check can fail: an image without a text alternative is found.
  await settle(page, '/login')
  await page.evaluate(() => document.querySelector('main')?.insertAdjacentHTML('beforeend', '<img src="/favicon.svg">'))
  const planted = await violations(page)
  assert(planted.some((v) => v.startsWith('image-alt')), `axe-core finds a planted image without alt: ${planted}`)

  const found = await checkPages(page, GUEST_PAGES, 'guest')
  // The light theme's colours too (the theme is remembered in localStorage).
  await page.evaluate(() => localStorage.setItem('kek.theme', 'light'))
  found.push(...(await checkPages(page, ['/live', '/login', '/live/demo'], 'guest, light')))
  await page.evaluate(() => localStorage.removeItem('kek.theme'))
  if (server.authAvailable) {
    await becomeAdminOrSkip(page)
    found.push(...(await checkPages(page, ADMIN_PAGES, 'admin')))
  }
  assert(found.length === 0, `axe-core violations:\n      ${found.join('\n      ')}`)
}, { timeoutMs: 180_000 })

/** Signs in as the first admin through the API (the login form's labels are in Russian here). */
async function adminByApi(page) {
  await page.goto('/live')
  const status = await page.evaluate(async ({ username, password }) => {
    const session = await fetch('/api/auth/session').then((r) => r.json())
    const r = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token ?? '' },
      body: JSON.stringify({ username, password }),
    })
    return r.status
  }, ADMIN)
  if (status !== 200) skip(`could not log in as the first admin (${status})`)
}

test('the Russian phone layout (390 px) has no horizontal scroll', async ({ page }) => {
  needAuth()
  await adminByApi(page)
  const wide = []
  for (const path of ['/live', '/live/demo', '/settings/profile', '/studio', '/c/admin', '/u/admin', '/admin/users', '/library']) {
    await settle(page, path)
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    if (width > 390) wide.push(`${path}: ${width} px`)
  }
  await settle(page, '/settings/profile')
  await shot(page, 'profile-edit-ru-phone')
  assert(wide.length === 0, `wider than the 390 px screen: ${wide.join(', ')}`)
}, { viewport: { width: 390, height: 844 }, locale: 'ru-RU', timeoutMs: 120_000 })

test('a light-theme user gets the light theme before the app starts, and the page breaks no CSP rule', async ({ page }) => {
  const refused = []
  page.on('console', (m) => m.type() === 'error' && /Content Security Policy/.test(m.text()) && refused.push(m.text()))
  await page.goto('/login')
  await page.evaluate(() => localStorage.setItem('kek.theme', 'light'))
  // The theme when the parser reaches <body>: before the app's module script runs.
  await page.addInitScript(() => {
    const seen = new MutationObserver(() => {
      if (!document.body) return
      window.__themeAtParse = document.documentElement.dataset.theme
      seen.disconnect()
    })
    seen.observe(document, { childList: true, subtree: true })
  })
  await page.reload()
  await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => undefined)
  assert((await page.evaluate(() => window.__themeAtParse)) === 'light', 'light before the app')
  assert(refused.length === 0, `CSP refusals: ${refused.join('; ')}`)
})
