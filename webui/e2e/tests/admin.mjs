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

test('Admin plots the last hour: bitrate and viewers per stream, CPU and memory, drawn by uPlot', async ({ page, context }) => {
  if (!server.authAvailable) return // the history is for admins: there are none without accounts
  await becomeAdminOrSkip(page, context)
  await page.goto('/admin')
  const stats = page.getByRole('region', { name: 'Live statistics' })
  await stats.waitFor({ timeout: 15_000 })
  for (const title of ['Ingest bitrate per stream', 'Viewers per stream', 'CPU of the kek process (100 % = one core)', 'Memory of the kek process (resident)'])
    await stats.getByRole('img', { name: title }).locator('canvas').waitFor({ timeout: 15_000 })
  // The memory line has values: its legend shows a number of MiB once the cursor is on it.
  const memory = stats.getByRole('img', { name: 'Memory of the kek process (resident)' })
  const box = await memory.boundingBox()
  await page.mouse.move(box.x + box.width - 30, box.y + 60)
  await waitFor(async () => /\d+(\.\d)? MiB/.test(await memory.locator('.u-legend').innerText()), { what: 'the memory legend to show MiB' })
  await shot(page, 'admin-stats')
})
