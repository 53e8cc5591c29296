// hls.js in Debian's Chromium plays URL (through the nginx edge) for a few seconds.
// Usage: node play_hls.mjs WEBUI_DIR URL; prints "played N s" and exits 0, or says why and exits 1.
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import path from 'node:path'

const [webuiArg, url] = process.argv.slice(2)
const webui = path.resolve(webuiArg)
const require = createRequire(path.join(webui, 'package.json'))
const { chromium } = require('playwright-core')
const hls = readFileSync(path.join(webui, 'node_modules/hls.js/dist/hls.min.js'), 'utf8')
const browser = await chromium.launch({
  executablePath: process.env.KEK_CHROMIUM ?? '/usr/bin/chromium', headless: true, timeout: 30_000,
  args: ['--no-sandbox', '--ignore-certificate-errors', '--autoplay-policy=no-user-gesture-required'],
})
try {
  const page = await browser.newPage({ ignoreHTTPSErrors: true })
  await page.setContent('<video id="v" muted playsinline></video>')
  await page.addScriptTag({ content: hls })
  const played = await page.evaluate(async (src) => {
    const video = document.getElementById('v')
    const player = new Hls({ liveSyncDurationCount: 2 })
    const errors = []
    player.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) errors.push(`${d.type}: ${d.details}`) })
    player.loadSource(src)
    player.attachMedia(video)
    video.play().catch(() => {})
    const start = Date.now()
    while (Date.now() - start < 30000) {
      if (errors.length) return { error: errors.join('; ') }
      if (video.currentTime > 3) return { seconds: video.currentTime }
      await new Promise((r) => setTimeout(r, 200))
    }
    return { error: `only ${video.currentTime} s played in 30 s` }
  }, url)
  if (played.error) {
    console.log(`hls.js did not play ${url}: ${played.error}`)
    process.exit(1)
  }
  console.log(`played ${played.seconds.toFixed(1)} s`)
} finally {
  await browser.close()
}
