// Admin: the pipelines board.
import { waitFor } from '../harness.mjs'
import { becomeAdminOrSkip, server, shot, test } from '../support.mjs'

test('Admin lists the demo pipeline as running and shows its graph', async ({ page, context }) => {
  if (server.authAvailable) await becomeAdminOrSkip(page, context)
  await page.goto('/admin')
  const card = page.getByTestId('pipeline-demo')
  await card.waitFor({ timeout: 15_000 })
  await waitFor(async () => (await card.getByTestId('pipeline-state').getAttribute('data-state')) === 'running', { what: 'demo pipeline running' })
  const graph = card.getByTestId('pipeline-graph')
  await graph.waitFor({ timeout: 15_000 })
  await waitFor(() => graph.evaluate((img) => img.complete && img.naturalWidth > 0), { ms: 20_000, what: 'graph.svg to load' })
  await shot(page, 'admin')
})
