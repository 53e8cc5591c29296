// Errors people can read: forms say why their button is disabled, and the server's refusals
// are shown in the page's language (translated by the API's error code).
import { assert } from '../harness.mjs'
import { PASSWORD, needAuth, test } from '../support.mjs'

test('the Russian sign-up form says why it cannot be sent, and a taken name in Russian', async ({ page }) => {
  needAuth()
  await page.goto('/register')
  const why = page.getByTestId('why-disabled')
  await page.getByLabel('Имя пользователя').fill('admin')
  await page.getByLabel('Эл. почта').fill('someone@example.org')
  await page.getByLabel('Пароль').fill('short')
  assert((await why.textContent()).includes('не короче 8 символов'), `hint: ${await why.textContent()}`)
  const submit = page.getByRole('button', { name: 'Зарегистрироваться' })
  assert(await submit.isDisabled(), 'the button waits for a long enough password')
  await page.getByLabel('Пароль').fill(PASSWORD)
  await why.waitFor({ state: 'detached', timeout: 5000 })
  await submit.click()
  const error = page.getByTestId('form-error')
  await error.waitFor({ timeout: 10_000 })
  const text = await error.textContent()
  assert(text.includes('Это имя уже занято'), `the server's refusal in Russian: ${text}`)
  assert(!/taken/i.test(text), `no English server words: ${text}`)
}, { locale: 'ru-RU' })
