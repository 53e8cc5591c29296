// A tiny, bounded test harness for the browser tests: playwright-core drives Debian's Chromium,
// with no test framework on top. Every step has a timeout, and a watchdog ends the whole run.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { chromium } from 'playwright-core'

export const CHROMIUM = process.env.KEK_CHROMIUM ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Thrown by a test that cannot run here; the reason is printed. */
export class Skip extends Error {
  constructor(reason) {
    super(reason)
    this.name = 'Skip'
  }
}

export function skip(reason) {
  throw new Skip(reason)
}

export function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${Math.round(ms / 1000)} s`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`)
}

/** Polls `probe` until it returns a truthy value; fails with `what` after `ms`. */
export async function waitFor(probe, { ms = 15_000, every = 250, what = 'condition' } = {}) {
  const deadline = Date.now() + ms
  let last
  while (Date.now() < deadline) {
    try {
      last = await probe()
      if (last) return last
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, every))
  }
  throw new Error(`waited ${Math.round(ms / 1000)} s for ${what}; last value: ${last instanceof Error ? last.message : JSON.stringify(last)}`)
}

/**
 * Starts `kek serve` with a config in a temporary folder and waits for its KEK_READY line.
 * Resolves to { url, dir, stop(), log() }.
 */
export async function startKek({ kekBin, webuiDist, env = {}, readyTimeoutMs = 30_000 }) {
  const dir = mkdtempSync(join(tmpdir(), 'kek-e2e-'))
  const dataDir = join(dir, 'var')
  mkdirSync(dataDir)
  const config = [
    `data_dir: ${JSON.stringify(dataDir)}`,
    `database: ${JSON.stringify(join(dataDir, 'kek.db'))}`,
    `media_dir: ${JSON.stringify(join(dataDir, 'media'))}`,
    `webui_dir: ${JSON.stringify(webuiDist)}`,
    // Every browser of every test comes from 127.0.0.1: not one user's share of connections.
    'http: {address: 127.0.0.1, port: 0, max_connections_per_address: 1000}',
    'shutdown_timeout_s: 3',
    'plugins:',
    // The outputs of live streams (HLS, DASH, the preview picture) register with the live layouts.
    '  - {name: hls, optional: true}',
    '  - {name: dash, optional: true}',
    '  - {name: thumbnails, optional: true}',
    // App "abr" is the adaptive ladder with DASH (a 320x180 publish keeps only the source rung),
    // app "fast" low-latency HLS (pipelines/live-ll.yaml). /api/health names the last app in
    // name order (live), which the other tests publish to.
    '  - {name: rtmp, optional: true, args: {address: 127.0.0.1, port: 0, apps: {live: live, abr: live-abr, fast: live-ll}}}',
    // Every test signs up people of its own, all from 127.0.0.1: more than the default 20 an address may.
    '  - {name: auth, optional: true, args: {registrations_per_address: 1000}}',
    // Uploads, the catalogue and its events (optional: a build without the plugin still runs).
    '  - {name: library, optional: true}',
    // Channels (titles, follows) and the live chat, as config/kek.yaml has them.
    '  - {name: channels, optional: true}',
    '  - {name: chat, optional: true}',
    // Watch history: resume points, the History page, view counts.
    '  - {name: history, optional: true}',
    // The poster: premieres and live events.
    '  - {name: schedule, optional: true}',
    // Real time (WebRTC): WHEP playback and WHIP publishing.
    '  - {name: webrtc, optional: true}',
    'pipelines:',
    '  - {id: demo, template: demo, vars: {width: 320, height: 180}}',
    '',
  ].join('\n')
  const configPath = join(dir, 'kek.yaml')
  writeFileSync(configPath, config)

  const lines = []
  const child = spawn(kekBin, ['serve', '--config', configPath], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const remember = (prefix) => (line) => {
    lines.push(prefix + line)
    if (lines.length > 2000) lines.shift()
  }
  createInterface({ input: child.stderr }).on('line', remember('! '))
  const stdout = createInterface({ input: child.stdout })
  stdout.on('line', remember(''))

  const ready = new Promise((resolve, reject) => {
    stdout.on('line', (line) => {
      const m = /^KEK_READY http=(\S+)/.exec(line)
      if (m) resolve(m[1].replace(/\/$/, ''))
    })
    child.once('exit', (code, signal) => reject(new Error(`kek serve exited before it was ready (code ${code}, signal ${signal})`)))
    child.once('error', reject)
  })

  let stopped = false
  async function stop() {
    if (stopped) return
    stopped = true
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const exited = once(child, 'exit')
      const timer = new Promise((r) => setTimeout(r, 10_000, 'timeout'))
      if ((await Promise.race([exited, timer])) === 'timeout') child.kill('SIGKILL')
    }
  }

  let url
  try {
    url = await withTimeout(ready, readyTimeoutMs, 'waiting for KEK_READY from kek serve')
  } catch (err) {
    await stop()
    err.message += `\n--- kek output ---\n${lines.slice(-40).join('\n')}`
    throw err
  }
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) {
    await stop()
    throw new Error(`kek reported ${url}; the tests only talk to 127.0.0.1`)
  }
  return {
    url,
    dir,
    stop,
    /** For the watchdog: no waiting, just the signal. */
    kill: () => child.kill('SIGTERM'),
    log: () => lines.join('\n'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** Debian's Chromium, headless. Playwright gives each launch a fresh temporary profile. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium); the tests never download a browser`)
  }
  return withTimeout(chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 }), 40_000, 'launching Chromium')
}

export function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0
}

/** GET a JSON endpoint with a timeout; returns { status, body }. */
export async function getJson(url, ms = 5000) {
  const response = await fetch(url, { signal: AbortSignal.timeout(ms) })
  const text = await response.text()
  let body = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = text
  }
  return { status: response.status, body }
}
