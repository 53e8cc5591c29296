// Debian's Chromium through playwright-core for the players' tests (dash.js, hls.js): never a
// downloaded browser. Shared by plugins/dash/tests/dashjs_play.mjs and
// plugins/library/tests/hlsjs_play.mjs.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

export const CHROMIUM = process.env.KEK_CHROMIUM ?? '/usr/bin/chromium'

// Exits 77 (meson's "skipped") when Chromium, playwright-core or one of `files` is missing.
export function requireOrSkip(nodeModules, files = []) {
  for (const need of [CHROMIUM, join(nodeModules, 'playwright-core'), ...files]) {
    if (!existsSync(need)) {
      console.log(`SKIP: ${need} not found`)
      process.exit(77)
    }
  }
}

// Headless Chromium that autoplays muted media; extraArgs for a test's own switches (a fake
// camera and microphone: --use-fake-device-for-media-stream --use-fake-ui-for-media-stream).
export async function launchChromium(nodeModules, extraArgs = []) {
  const { chromium } = createRequire(join(nodeModules, 'noop.js'))('playwright-core')
  return chromium.launch({
    executablePath: CHROMIUM, headless: true, timeout: 30000,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', ...extraArgs],
  })
}
