// Accounts: register, log in, the login redirect, avatars.
import { assert, waitFor } from '../harness.mjs'
import { PASSWORD, loginViaUi, makePng, needAuth, registerViaUi, shot, test } from '../support.mjs'

test('register, then see yourself in the header', async ({ page }) => {
  needAuth()
  const username = await registerViaUi(page)
  await page.waitForURL('**/settings/profile', { timeout: 10_000 })
  await page.getByTestId('user-menu-button').click()
  const menu = await page.locator('[role="menu"]').first().textContent()
  assert(menu.includes(username), `user menu names ${username}: ${menu}`)
  await shot(page, 'profile-edit')
})

test('a wrong password shows an error', async ({ page }) => {
  needAuth()
  const username = await registerViaUi(page)
  await page.getByTestId('user-menu-button').click()
  await page.getByTestId('logout').click()
  await loginViaUi(page, username, 'not the password')
  const error = page.getByTestId('form-error')
  await error.waitFor({ timeout: 10_000 })
  const text = await error.textContent()
  assert(/wrong username or password/i.test(text), `error text: ${text}`)
  await shot(page, 'login-error')
})

test('a page that needs login sends you to log in and back', async ({ page }) => {
  needAuth()
  const username = await registerViaUi(page)
  await page.getByTestId('user-menu-button').click()
  await page.getByTestId('logout').click()
  await page.goto('/studio')
  await page.waitForURL(/\/login\?next=(%2F|\/)studio$/, { timeout: 10_000 })
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.waitForURL('**/studio', { timeout: 10_000 })
})

test('upload an avatar and see it in the header', async ({ page }) => {
  needAuth()
  await registerViaUi(page)
  await page.goto('/settings/profile')
  await page.getByTestId('avatar-input').setInputFiles({ name: 'avatar.png', mimeType: 'image/png', buffer: makePng(96, 96) })
  await page.getByTestId('avatar-preview').waitFor({ timeout: 5000 })
  await page.getByTestId('avatar-upload').click()
  await page.getByRole('status').filter({ hasText: 'Avatar updated' }).waitFor({ timeout: 15_000 })
  // The header shows *our* picture: its middle pixel has the red of the PNG we made
  // (a default avatar or the initials would not).
  const headerImg = page.getByTestId('user-menu-button').locator('img')
  await headerImg.waitFor({ timeout: 15_000 })
  const pixel = await waitFor(
    () =>
      headerImg.evaluate((img) => {
        if (!img.complete || img.naturalWidth === 0) return null
        const canvas = document.createElement('canvas')
        canvas.width = img.naturalWidth
        canvas.height = img.naturalHeight
        const g = canvas.getContext('2d')
        g.drawImage(img, 0, 0)
        const [r, gr, b] = g.getImageData(img.naturalWidth >> 1, img.naturalHeight >> 1, 1, 1).data
        return r > 180 && gr < 160 ? [r, gr, b] : null
      }),
    { what: 'the uploaded avatar (red) in the header' },
  )
  console.log(`    header avatar pixel rgb(${pixel.join(', ')})`)
  await shot(page, 'avatar')
  const username = await page.evaluate(() => fetch('/api/auth/session').then((r) => r.json()).then((s) => s.user.username))
  await page.goto(`/u/${username}`)
  await page.getByTestId('profile-name').waitFor({ timeout: 10_000 })
  await shot(page, 'profile')
})
