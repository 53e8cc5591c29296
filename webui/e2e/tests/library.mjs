// Library: the catalogue page.
import { assert } from '../harness.mjs'
import { shot, test } from '../support.mjs'

test('the Library page says coming soon', async ({ page }) => {
  await page.goto('/library')
  const box = page.getByTestId('coming-soon')
  await box.waitFor({ timeout: 10_000 })
  const text = await box.textContent()
  assert(/coming soon/i.test(text), `library text: ${text}`)
  await shot(page, 'library')
})
