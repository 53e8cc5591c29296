#!/usr/bin/env node
// End-to-end tests of the web UI against a real `kek serve` and Debian's Chromium.
//
//   node e2e/run.mjs                 run every test (npm run test:e2e)
//   node e2e/run.mjs --only russian  run tests whose name contains "russian"
//   node e2e/run.mjs --only live     ... or every test in tests/live.mjs
//   node e2e/run.mjs --update-docs   also copy the screenshots to ../docs/screenshots/
//
// KEK_BIN overrides the kek binary (default ../build/core/kek). Ends with one line:
// "e2e: N passed, N failed, N skipped"; exits non-zero when a test failed.
//
// The tests live in tests/<area>.mjs (one file per area, loaded in name order); what they share
// is in support.mjs, the bounded plumbing (kek serve, Chromium, waits) in harness.mjs.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Skip, assert, getJson, launchBrowser, startKek, withTimeout } from './harness.mjs'
import { ADMIN, ARTIFACTS, WEBUI, server, setArea, tests } from './support.mjs'

const KEK_BIN = resolve(process.env.KEK_BIN ?? join(WEBUI, '..', 'build', 'core', 'kek'))
const DIST = join(WEBUI, 'dist')
const TESTS_DIR = join(WEBUI, 'e2e', 'tests')
const DOCS_SHOTS = join(WEBUI, '..', 'docs', 'screenshots')
const TEST_TIMEOUT_MS = 90_000
// Point the tests at a kek that is already running (its 127.0.0.1 URL) instead of starting one.
const EXISTING_URL = process.env.KEK_E2E_URL?.replace(/\/$/, '') ?? null
// A cap for a run that hangs (each test has its own 90 s): about 7 minutes on a quiet 2-core
// machine for the whole run, more on a loaded one, so the cap leaves room for that.
const RUN_TIMEOUT_MS = 15 * 60_000

const argv = process.argv.slice(2)
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]?.toLowerCase() : null
const updateDocs = argv.includes('--update-docs')

function summary(passed, failed, skipped) {
  console.log(`e2e: ${passed} passed, ${failed} failed, ${skipped} skipped`)
}

async function loadTests() {
  for (const file of readdirSync(TESTS_DIR).filter((n) => n.endsWith('.mjs')).sort()) {
    setArea(file.replace(/\.mjs$/, ''))
    await import(pathToFileURL(join(TESTS_DIR, file)).href)
  }
  setArea('')
}

const selected = (t) => !only || t.name.toLowerCase().includes(only) || t.area.toLowerCase() === only

// ---------------------------------------------------------------------------------------------

let runningKek = null

async function main() {
  if (!EXISTING_URL && !existsSync(KEK_BIN)) {
    console.error(`e2e: ${KEK_BIN} does not exist. Build kek first (bash scripts/dev.sh build, or ninja -C build), or set KEK_BIN.`)
    summary(0, 1, 0)
    return 1
  }
  if (!existsSync(join(DIST, 'index.html'))) {
    console.log('e2e: webui/dist is missing, building it (npm run build)')
    const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: WEBUI, stdio: 'inherit', timeout: 300_000 })
    if (built.status !== 0) {
      console.error('e2e: the web UI build failed')
      summary(0, 1, 0)
      return 1
    }
  }
  mkdirSync(ARTIFACTS, { recursive: true })
  await loadTests()

  let kek
  let browser
  let passed = 0
  let failed = 0
  let skipped = 0
  try {
    if (EXISTING_URL) {
      if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(EXISTING_URL)) throw new Error('KEK_E2E_URL must be http://127.0.0.1:PORT')
      server.url = EXISTING_URL
    } else {
      kek = await startKek({ kekBin: KEK_BIN, webuiDist: DIST, env: { KEK_ADMIN_PASSWORD: ADMIN.password } })
      runningKek = kek
      server.url = kek.url
    }
    console.log(`e2e: kek serve is at ${server.url}`)
    const [session, live, health, library] = await Promise.all([
      getJson(`${server.url}/api/auth/session`),
      getJson(`${server.url}/api/live`),
      getJson(`${server.url}/api/health`),
      getJson(`${server.url}/api/library/items?limit=1`),
    ])
    server.authAvailable = session.status !== 404
    server.liveAvailable = live.status !== 404
    server.libraryAvailable = library.status !== 404
    server.rtmp = health.body?.endpoints?.rtmp ?? null
    // Against its own kek serve every plugin of the test config must load: a refused plugin would
    // otherwise turn its tests into skips and the run would still pass.
    const refused = health.body?.refused_plugins ?? []
    if (kek && refused.length > 0)
      throw new Error(`kek refused plugins: ${refused.map((p) => `${p.name ?? p.path ?? JSON.stringify(p)}: ${p.reason ?? p.error ?? ''}`).join('; ')}`)
    if (kek) {
      server.dataDir = join(kek.dir, 'var')
      server.mediaDir = join(kek.dir, 'var', 'media')
    }
    console.log(
      `e2e: auth plugin ${server.authAvailable ? 'present' : 'absent'}, live listing ${server.liveAvailable ? 'present' : 'absent'}, ` +
        `library ${server.libraryAvailable ? 'present' : 'absent'}, rtmp ${server.rtmp ?? 'absent'}`,
    )
    browser = await launchBrowser()

    for (const t of tests) {
      if (!selected(t)) continue
      const context = await browser.newContext({
        baseURL: server.url,
        viewport: t.viewport ?? { width: 1280, height: 800 },
        locale: t.locale ?? 'en-US',
        colorScheme: 'dark',
      })
      context.setDefaultTimeout(15_000)
      context.setDefaultNavigationTimeout(15_000)
      const page = await context.newPage()
      const pageErrors = []
      page.on('pageerror', (err) => pageErrors.push(err.message))
      const started = Date.now()
      try {
        await withTimeout(t.fn({ page, context, browser }), t.timeoutMs ?? TEST_TIMEOUT_MS, t.name)
        assert(pageErrors.length === 0, `uncaught errors in the page: ${pageErrors.join('; ')}`)
        passed += 1
        console.log(`  ok    ${t.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
      } catch (err) {
        if (err instanceof Skip && !kek) {
          // Only a server someone else runs (KEK_E2E_URL) may lack what a test needs.
          skipped += 1
          console.log(`  skip  ${t.name}: ${err.message}`)
        } else {
          if (err instanceof Skip) err.message = `would skip against its own kek serve: ${err.message}`
          failed += 1
          console.log(`  FAIL  ${t.name}: ${err.message}`)
          const safe = t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)
          await page.screenshot({ path: join(ARTIFACTS, `FAILED-${safe}.png`) }).catch(() => undefined)
        }
      } finally {
        await context.close().catch(() => undefined)
      }
    }
  } catch (err) {
    failed += 1
    console.error(`e2e: ${err.message}`)
  } finally {
    await browser?.close().catch(() => undefined)
    if (kek) {
      await kek.stop()
      writeFileSync(join(ARTIFACTS, 'kek.log'), kek.log())
      kek.cleanup()
    }
  }

  if (updateDocs && failed === 0) {
    mkdirSync(DOCS_SHOTS, { recursive: true })
    for (const name of readdirSync(ARTIFACTS).filter((n) => n.endsWith('.png') && !n.startsWith('FAILED'))) {
      copyFileSync(join(ARTIFACTS, name), join(DOCS_SHOTS, name))
    }
    console.log(`e2e: screenshots copied to ${DOCS_SHOTS}`)
  }
  summary(passed, failed, skipped)
  return failed > 0 ? 1 : 0
}

// The whole run is bounded: a hung browser or server cannot keep CI waiting.
const watchdog = setTimeout(() => {
  console.error(`e2e: the run took longer than ${RUN_TIMEOUT_MS / 60_000} minutes; giving up`)
  runningKek?.kill()
  summary(0, 1, 0)
  process.exit(1)
}, RUN_TIMEOUT_MS)
watchdog.unref()

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err)
    summary(0, 1, 0)
    process.exit(1)
  },
)

