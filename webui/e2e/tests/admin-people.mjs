// Admin pages for people (issue 16): users (searchable), invites, groups, on the auth plugin's
// admin API.
import { assert, waitFor } from '../harness.mjs'
import { PASSWORD, becomeAdminOrSkip, needAuth, registerViaUi, server, shot, test } from '../support.mjs'

test('Admin: find a user by name, make an invite link, make a group with members', async ({ page, browser }) => {
  needAuth()
  const other = await browser.newContext({ baseURL: server.url })
  const someone = await registerViaUi(await other.newPage())
  await other.close()
  await becomeAdminOrSkip(page)

  await page.goto('/admin')
  await page.getByTestId('admin-nav-users').click()
  await page.waitForURL('**/admin/users')
  await page.getByTestId('admin-user-search').fill(someone.slice(-6).toUpperCase())
  await waitFor(async () => (await page.getByTestId('admin-user-row').count()) === 1, { what: 'one user found' })
  assert((await page.getByTestId('admin-user-row').textContent()).includes(`@${someone}`), 'the one found is them')
  await shot(page, 'admin-users')

  await page.getByTestId('admin-nav-invites').click()
  await page.getByTestId('invite-days').fill('3')
  await page.getByTestId('invite-create').click()
  const link = await page.getByTestId('invite-link').inputValue()
  assert(link.startsWith(`${server.url}/register?invite=`), `invite link: ${link}`)
  await page.getByTestId('invite-days').fill('0')
  assert(await page.getByTestId('invite-create').isDisabled(), 'an invite of 0 days cannot be made')
  assert((await page.locator('.why-disabled').textContent()).includes('1 to 365 days'), 'and the form says why')

  await page.getByTestId('admin-nav-groups').click()
  const group = `family${Date.now().toString(36)}`
  await page.getByTestId('group-name').fill(group)
  await page.getByTestId('group-members').fill(`@${someone}, admin`)
  await page.getByTestId('group-save').click()
  const card = page.getByTestId('group').filter({ hasText: group })
  await card.waitFor()
  assert((await card.textContent()).includes(`@${someone}`), 'the group lists its members')
  await page.reload()
  await page.getByTestId('group').filter({ hasText: group }).waitFor()
  await shot(page, 'admin-groups')
})

test('Admin: the pipeline graph opens full size and zooms', async ({ page }) => {
  if (server.authAvailable) await becomeAdminOrSkip(page)
  await page.goto('/admin')
  const card = page.getByTestId('pipeline-demo')
  await card.getByTestId('pipeline-graph').waitFor({ timeout: 20_000 })
  await card.getByTestId('pipeline-graph-open').click()
  const viewer = page.getByTestId('graph-viewer')
  await viewer.waitFor()
  await waitFor(() => viewer.getByTestId('graph-full').evaluate((img) => img.complete && img.naturalWidth > 0), { what: 'the full graph' })
  await viewer.getByTestId('graph-actual').click()
  assert((await viewer.getByTestId('graph-zoom').textContent()) === '100 %', '100 %')
  await viewer.getByTestId('graph-zoom-in').click()
  assert((await viewer.getByTestId('graph-zoom').textContent()) === '125 %', 'zoomed in one step')
  const width = await viewer.getByTestId('graph-full').evaluate((img) => ({ shown: img.getBoundingClientRect().width, natural: img.naturalWidth }))
  assert(Math.abs(width.shown - width.natural * 1.25) < 2, `drawn at 125 %: ${JSON.stringify(width)}`)
  await shot(page, 'admin-graph-viewer')
  await page.keyboard.press('Escape')
  await viewer.waitFor({ state: 'hidden' })
})

test('Admin: make someone an admin, disable, enable and delete their account', async ({ page, browser }) => {
  needAuth()
  const other = await browser.newContext({ baseURL: server.url })
  const theirs = await other.newPage()
  const someone = await registerViaUi(theirs)
  await becomeAdminOrSkip(page)
  page.on('dialog', (dialog) => void dialog.accept())

  await page.goto('/admin/users')
  await page.getByTestId('admin-user-search').fill(someone)
  const row = page.getByTestId('admin-user-row').filter({ hasText: `@${someone}` })
  await row.waitFor()

  await row.getByTestId('admin-user-role-toggle').click()
  await waitFor(async () => (await row.getByTestId('admin-user-role').textContent()).includes('Admin'), { what: 'shown as an admin' })
  const theirSession = await theirs.evaluate(() => fetch('/api/auth/session').then((r) => r.json()))
  assert(theirSession.user?.role === 'admin', `they are an admin now: ${JSON.stringify(theirSession.user)}`)
  await row.getByTestId('admin-user-role-toggle').click()
  await waitFor(async () => !(await row.getByTestId('admin-user-role').textContent()).includes('Admin'), { what: 'a user again' })

  await row.getByTestId('admin-user-disable-toggle').click()
  await row.getByTestId('admin-user-disabled').waitFor()
  await shot(page, 'admin-users-disabled')
  await theirs.reload()
  await theirs.getByTestId('login-link').waitFor({ timeout: 15_000 })
  const refused = await theirs.evaluate(
    ([username, password]) =>
      fetch('/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) }).then((r) => r.status),
    [someone, PASSWORD],
  )
  assert(refused === 403, `a disabled account cannot sign in: ${refused}`)
  await page.reload()
  await page.getByTestId('admin-user-search').fill(someone)
  await row.getByTestId('admin-user-disabled').waitFor()
  await row.getByTestId('admin-user-disable-toggle').click()
  await row.getByTestId('admin-user-disabled').waitFor({ state: 'detached' })

  await row.getByTestId('admin-user-delete').click()
  await row.waitFor({ state: 'detached' })
  await page.reload()
  await page.getByTestId('admin-user-search').fill(someone)
  await waitFor(async () => (await page.getByTestId('admin-user-row').count()) === 0, { what: 'gone after a reload' })
  await other.close()
})

test('Admin: the last admin cannot take their own admin role away', async ({ page }) => {
  needAuth()
  await becomeAdminOrSkip(page)
  const users = await page.evaluate(() => fetch('/api/admin/users').then((r) => r.json()))
  const admins = users.filter((u) => u.role === 'admin' && !u.disabled).map((u) => u.username)
  assert(admins.length === 1 && admins[0] === 'admin', `the first admin is the only one here: ${admins}`)
  page.on('dialog', (dialog) => void dialog.accept())
  await page.goto('/admin/users')
  await page.getByTestId('admin-user-search').fill('admin')
  const me = page.getByTestId('admin-user-row').filter({ has: page.locator('.who', { hasText: /@admin\s*$/ }) })
  await me.getByTestId('admin-user-role-toggle').click()
  const error = page.getByTestId('admin-user-error')
  await error.waitFor()
  assert((await error.textContent()).includes('last admin'), `the page says why: ${await error.textContent()}`)
})
