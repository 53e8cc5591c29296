#!/usr/bin/env node
// Glass-to-glass reader of the latency bench (bench/latency.sh): Debian's Chromium plays one
// stream, reads the clock stamp (stamp.cjs) of every frame it presents and prints one JSON line:
// p50/p95 of (shown - stamp) over TRIES player sessions (each a fresh page: where a player joins
// a live stream varies), WINDOW s each after WARMUP s, and the checks that the stamps were
// read right (in order, stepping with the frames' media time). Raw samples go to --samples.
//
//   node reader.mjs --node-modules DIR --origin http://127.0.0.1:PORT --mode hls|llhls|whep|whip-whep|loopback
//        --src /media/live/s/index.m3u8 [--whip /api/whip/live --whip-key KEY] [--warmup 10]
//        [--window 10] [--tries 3] [--fps 30] [--samples FILE] [--start-timeout 60] [--wait-url PATH]
//        [--trace FILE]   (HLS: each session's player trace, one JSON line per session: stalls.mjs)
//
// The page is served (Playwright route) at the origin of the server under test, so its requests
// are same-origin, as the web UI's own player's are. Never downloads a browser.
import { appendFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { launchChromium, requireOrSkip } from '../../tests/support/chromium.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const { values: o } = parseArgs({
  options: {
    'node-modules': { type: 'string' }, origin: { type: 'string' }, mode: { type: 'string' }, src: { type: 'string' },
    whip: { type: 'string' }, 'whip-key': { type: 'string' }, warmup: { type: 'string', default: '10' },
    window: { type: 'string', default: '10' }, fps: { type: 'string', default: '30' }, samples: { type: 'string' },
    'start-timeout': { type: 'string', default: '60' }, trace: { type: 'string' }, 'wait-url': { type: 'string' }, tries: { type: 'string', default: '3' }, size: { type: 'string', default: '640x360' },
  },
})
const HLSJS = join(o['node-modules'] ?? '', 'hls.js/dist/hls.min.js')
requireOrSkip(o['node-modules'], o.mode.endsWith('hls') ? [HLSJS] : [])
const S = createRequire(import.meta.url)('./stamp.cjs')
const warmup = Number(o.warmup) * 1000, window_ = Number(o.window) * 1000, period = 1000 / Number(o.fps)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const quantile = (sorted, q) => {
  if (!sorted.length) return null
  const i = (sorted.length - 1) * q, lo = Math.floor(i), hi = Math.ceil(i)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo)
}
const round = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? null : Math.round(v * 10 ** d) / 10 ** d)

async function newPage(browser) {
  const page = await (await browser.newContext()).newPage()
  await page.route('**/__latency/**', (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()
    if (name === 'page.html') {
      return route.fulfill({ contentType: 'text/html', body: '<!doctype html><html><body style="margin:0;background:#000">' +
        '<video id="v" muted playsinline autoplay></video><script src="stamp.js"></script>' +
        (o.mode.endsWith('hls') ? '<script src="hls.min.js"></script>' : '') + '<script src="page.js"></script></body></html>' })
    }
    const files = { 'stamp.js': join(here, 'stamp.cjs'), 'page.js': join(here, 'page.js'), 'hls.min.js': HLSJS }
    return files[name] ? route.fulfill({ path: files[name], contentType: 'text/javascript' }) : route.abort()
  })
  await page.goto(new URL('/__latency/page.html', o.origin).href)
  return page
}

// One session's frames in its window, from the page's samples [shown ms, stamp|null, media s, rtp?],
// and the checks that its stamps read right.
function session(samples, errors) {
  const first = samples.find((x) => x[1] !== null)
  if (!first) return { read: [], why: [errors[0] ?? `no frame with a readable stamp (${samples.length} frames)`] }
  const from = first[0] + warmup, to = from + window_
  const win = samples.filter((x) => x[0] >= from && x[0] <= to)
  const read = win.filter((x) => x[1] !== null).map((x) => ({ shown: x[0], stamp: S.unwrap(x[1], x[0]), media: x[2], rtp: x[3] }))
  let backwards = 0, repeats = 0, agree = 0
  const steps = []
  for (let i = 1; i < read.length; i++) {
    const d = read[i].stamp - read[i - 1].stamp
    steps.push(d)
    if (d < 0) backwards++
    if (d === 0) repeats++ // the same picture twice (seen a few times in a thousand frames on SRT)
    let dm = (read[i].media - read[i - 1].media) * 1000
    if (read[i].rtp) dm = ((((dm * 90) % 2 ** 32) + 2 ** 32) % 2 ** 32) / 90 // RTP timestamps wrap at 2^32
    if (Math.abs(d - dm) <= 40) agree++
  }
  steps.sort((a, b) => a - b)
  const span = win.length > 1 ? win[win.length - 1][0] - win[0][0] : 0
  const lat = read.map((r) => r.shown - r.stamp).sort((a, b) => a - b)
  const st = { frames: win.length, unread: win.length - read.length, span, backwards, repeats, steps: steps.length,
    agree, step_median: quantile(steps, 0.5), p50: quantile(lat, 0.5) }
  // A session whose stamps did not read right measured nothing: it is discarded.
  const why = []
  if (span < window_ * 0.8) why.push(`played ${round(span / 1000)} s of the ${window_ / 1000} s window`)
  if (st.unread > win.length * 0.05) why.push(`${st.unread} of ${win.length} frames unreadable`)
  if (backwards) why.push(`${backwards} stamps before the previous one`)
  if (repeats > read.length * 0.02) why.push(`${repeats} of ${read.length} stamps the same as the previous one`)
  if (steps.length && agree < steps.length * 0.9) why.push(`stamp steps agree with media time in ${round((100 * agree) / steps.length)}% only`)
  if (st.step_median === null || st.step_median < period * 0.75 || st.step_median > period * 2.5)
    why.push(`median stamp step ${round(st.step_median, 0)} ms for ${round(period, 0)} ms frames`)
  return { read, lat, st, why }
}

// The media playlist as the player last saw it (the master's first variant), for the report.
async function playlistFacts(page, src) {
  return page.evaluate(async (u) => {
    const get = async (x) => { const r = await fetch(x, { cache: 'no-store' }); return r.ok ? r.text() : '' }
    let text = await get(u), url = u
    const variant = text.split('\n').find((l, i, a) => l && !l.startsWith('#') && a[i - 1]?.startsWith('#EXT-X-STREAM-INF'))
    if (variant) { url = new URL(variant, u).href; text = await get(url) }
    const target = text.match(/#EXT-X-TARGETDURATION:(\d+)/)?.[1]
    const inf = [...text.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]))
    // RFC 8216 4.3.3.1 / 8216bis 4.4.3.1: every EXTINF rounded to the nearest integer <= the target
    // (what strict players check; Math.round as hls-parser's strict mode does).
    const over = target ? inf.filter((d) => Math.round(d) > Number(target)).length : null
    return { target_s: target ? Number(target) : null, segments_s: inf.slice(-4).map((d) => d.toFixed(2)).join(' '),
      parts: (text.match(/#EXT-X-PART:/g) ?? []).length, listed: inf.length, over_target: over }
  }, src)
}

async function play(browser) {
  const page = await newPage(browser)
  if (o['wait-url']) {
    const ok = await page.evaluate(async ([u, ms]) => {
      const end = Date.now() + ms
      while (Date.now() < end) {
        const r = await fetch(u, { cache: 'no-store' }).catch(() => null)
        if (r && r.ok && (await r.text()).includes('#EXT')) return true
        await new Promise((res) => setTimeout(res, 250))
      }
      return false
    }, [o['wait-url'], Number(o['start-timeout']) * 1000])
    if (!ok) throw new Error(`${o['wait-url']} not there after ${o['start-timeout']} s`)
  }
  const src = new URL(o.src, o.origin).href
  if (o.mode === 'hls' || o.mode === 'llhls') await page.evaluate(([x, ll, hlsLog]) => { latency.hlsLog = hlsLog; latency.playHls(x, ll) }, [src, o.mode === 'llhls', process.env.HLS_LOG === '1'])
  else if (o.mode === 'loopback') await page.evaluate(([w, h, fps]) => latency.loopback(w, h, fps), [...o.size.split('x').map(Number), Number(o.fps)])
  else await page.evaluate((x) => latency.playWhep(x), src)
  const started = Date.now()
  let firstAt = null
  for (;;) {
    await sleep(1000)
    const st = await page.evaluate(() => ({ first: latency.samples.find((x) => x[1] !== null)?.[0] ?? null, errors: latency.errors }))
    if (st.errors.length && firstAt === null) break
    if (firstAt === null && st.first !== null) firstAt = Date.now()
    if (firstAt === null && Date.now() - started > Number(o['start-timeout']) * 1000) break
    if (firstAt !== null && Date.now() - firstAt > warmup + window_ + 1000) break
  }
  const got = await page.evaluate(() => ({ samples: latency.samples, info: latency.info, errors: latency.errors,
    target_s: latency.hls?.targetLatency ?? null, trace: latency.trace ?? null }))
  got.start_s = firstAt === null ? null : (firstAt - started) / 1000
  if (o.mode.endsWith('hls')) got.playlist = await playlistFacts(page, src).catch(() => null)
  await page.context().close()
  return got
}

const browser = await launchChromium(o['node-modules'])
const result = { mode: o.mode, src: o.src, tries: Number(o.tries) }
try {
  if (o.mode === 'whip-whep') {
    const pub = await newPage(browser)
    const [w, h] = o.size.split('x').map(Number)
    await pub.evaluate(([url, key, w, h, fps]) => latency.publishWhip(url, key, w, h, fps), [o.whip, o['whip-key'], w, h, Number(o.fps)])
  }
  const sessions = []
  const raw = []
  for (let t = 0; t < Number(o.tries); t++) {
    const got = await play(browser)
    const s = session(got.samples, got.errors)
    sessions.push({ ...s, start_s: got.start_s, target_s: got.target_s, stalls: got.info.stalls ?? null })
    Object.assign(result, { player: got.info.player, size: got.info.size, playlist: got.playlist ?? undefined })
    raw.push(...got.samples.map((x) => `${t}\t${x[0].toFixed(1)}\t${x[1] ?? ''}\t${x[2]}`))
    // The player's trace (page.js), one line per session: bench/latency/stalls.mjs reads it.
    if (o.trace && got.trace) {
      const first = got.samples.find((x) => x[1] !== null)
      const window = first ? [first[0] + warmup, first[0] + warmup + window_] : null
      appendFileSync(o.trace, JSON.stringify({ try: t, first_frame: first?.[0] ?? null, window, p50_ms: round(s.st?.p50, 0), ...got.trace }) + '\n')
    }
    if (s.why.length) { result.errors = got.errors.slice(0, 3); break }
  }
  if (o.samples) writeFileSync(o.samples, 'try\tshown_ms\tstamp\tmedia_s\n' + raw.join('\n') + '\n')
  const bad = sessions.find((s) => s.why.length)
  const lat = sessions.flatMap((s) => s.lat).sort((a, b) => a - b)
  const sum = (k) => sessions.reduce((a, s) => a + (s.st?.[k] ?? 0), 0)
  Object.assign(result, {
    valid: !bad, reason: bad ? `try ${sessions.indexOf(bad) + 1}: ${bad.why.join('; ')}` : null,
    p50_ms: round(quantile(lat, 0.5), 0), p95_ms: round(quantile(lat, 0.95), 0), min_ms: round(lat[0], 0), max_ms: round(lat[lat.length - 1], 0),
    tries_p50_ms: sessions.map((s) => round(s.st?.p50, 0)).join(' '),
    tries_player: sessions.some((s) => s.target_s !== null && s.target_s !== undefined)
      ? sessions.map((s) => `${round(s.target_s, 1)}/${s.stalls ?? '?'}`).join(' ') : undefined,
    frames: sum('frames'), unread: sum('unread'),
    window_s: round(sum('span') / 1000), fps_shown: sum('span') ? round((sum('frames') - sessions.length) / (sum('span') / 1000)) : null,
    step_median_ms: round(quantile(sessions.filter((s) => s.st).map((s) => s.st.step_median), 0.5), 0), backwards: sum('backwards'), repeats: sum('repeats'),
    media_agree_pct: sum('steps') ? round((100 * sum('agree')) / sum('steps')) : null,
    start_s: round(quantile(sessions.map((s) => s.start_s).filter((v) => v !== null).sort((a, b) => a - b), 0.5)),
  })
} catch (e) {
  Object.assign(result, { valid: false, reason: String(e.message || e).split('\n')[0] })
} finally {
  await browser.close()
}
console.log(JSON.stringify(result))
