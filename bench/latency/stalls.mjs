#!/usr/bin/env node
// Every stall of the hls.js sessions of bench/latency.sh, from the player traces reader.mjs writes
// (--trace, page.js's L.trace): when (s after the session's first frame), the playhead, how much
// audio and video each SourceBuffer held ahead of it, what was appended last per track, and
// hls.js's target latency then and at the end. Prints a markdown table (or nothing without stalls
// and sessions).
//
//   node stalls.mjs LABEL=trace.jsonl [LABEL=trace.jsonl ...]      # markdown to stdout
//   node stalls.mjs --detail trace.jsonl                           # one session's whole trace, readable
import { readFileSync } from 'node:fs'

const f2 = (v) => (v === null || v === undefined ? '-' : Number(v).toFixed(2))
const load = (file) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
const at = (s, wall) => (s.first_frame ? (wall - s.first_frame) / 1000 : null)
const appended = (a) => (a ? `${a.sn}${a.part === null ? '' : '.' + a.part} to ${f2(a.end)}` : '-')

// The stalls of one session: the <video>'s 'waiting' events (the picture stopped), each with what
// hls.js reported around it (stall error, nudge, hole skipped) until the next 'playing'.
function stalls(s) {
  const out = []
  let cur = null
  for (const e of s.events) {
    if (e.what === 'waiting') {
      cur = { ...e, t: at(s, e.wall), hls: [], resumed: null }
      out.push(cur)
    } else if (e.what === 'playing' && cur && cur.resumed === null) {
      cur.resumed = (e.wall - cur.wall) / 1000
    } else if (cur && cur.resumed === null && e.what !== 'seeking' && e.what !== 'seeked') {
      cur.hls.push(e.what.replace(/^buffer/, '').replace(/Error$/, ''))
    }
  }
  return out
}

function starved(e) {
  const a = e.ahead ?? {}
  const keys = Object.keys(a)
  if (!keys.length) return 'no buffer yet'
  const low = keys.filter((k) => a[k] < 0.1)
  return low.length ? low.join('+') : 'neither (<0.1 s)'
}

if (process.argv[2] === '--detail') {
  for (const s of load(process.argv[3])) {
    console.log(`## try ${s.try}: p50 ${s.p50_ms} ms, first frame ${new Date(s.first_frame).toISOString()}`)
    const rows = [
      ...s.events.map((e) => [e.wall, `${e.what} ct ${f2(e.ct)} ready ${e.ready} ahead ${JSON.stringify(e.ahead)} target ${e.target} latency ${e.latency} stalls ${e.stalls_hls} ranges ${JSON.stringify(e.ranges)} ${e.reason ?? ''}`]),
      ...s.appends.map((a) => [a.wall, `  appended ${a.type} ${appended(a)} (from ${f2(a.start)}) ${JSON.stringify(a.ranges)}`]),
      ...s.loads.map((l) => [l.wall, `  loaded ${l.type} ${l.sn}${l.part === null ? '' : '.' + l.part} in ${l.ms} ms (first byte ${l.first_byte_ms})`]),
      ...(s.playlists ?? []).map((p) => [p.wall, `  playlist ${p.type} ${p.url} in ${p.ms} ms: first ${JSON.stringify(p.first)} last ${JSON.stringify(p.last)} parts ${p.parts}`]),
      ...(s.log ?? []).filter((l) => l[1] !== 'debug' || process.env.DEBUG_LINES).map((l) => [l[0], `    hls.js ${l[1]}: ${l[2]}`]),
      ...s.ticks.filter((_, i) => i % 4 === 0).map((t) => [t[0], `  tick ct ${f2(t[1])} target ${t[2]} latency ${t[3]} rate ${t[4]} ahead ${JSON.stringify(t[5])} ready ${t[6]}`]),
    ].sort((a, b) => a[0] - b[0])
    for (const [w, text] of rows) console.log(`${f2(at(s, w))}\t${text}`)
  }
  process.exit(0)
}

const lines = []
for (const arg of process.argv.slice(2)) {
  const [label, file] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, arg]
  let sessions
  try { sessions = load(file) } catch { continue }
  for (const s of sessions) {
    // The wait before the first frame (loading, the seek to the start position) is not a stall.
    const all = stalls(s)
    const start = all.find((e) => e.t !== null && e.t < 0)
    const st = all.filter((e) => e !== start)
    const lastTick = s.ticks[s.ticks.length - 1]
    const inWindow = st.filter((e) => s.window && e.wall >= s.window[0] && e.wall <= s.window[1]).length
    const desc = st.map((e) => `${f2(e.t)} s: ${starved(e)} ran out (audio ${f2(e.ahead?.audio)}, video ${f2(e.ahead?.video)} s ahead; ` +
      `last audio ${appended(e.last?.audio)}, video ${appended(e.last?.main ?? e.last?.video)}; ` +
      `${e.resumed === null ? 'not resumed' : `resumed after ${f2(e.resumed)} s`}${e.hls.length ? '; ' + [...new Set(e.hls)].join(', ') : ''})`).join('<br>')
    lines.push(`| ${label} | ${s.try + 1} | ${s.p50_ms ?? '-'} | ${lastTick ? f2(lastTick[2]) : '-'} | ${lastTick ? f2(lastTick[3]) : '-'} | ${start?.resumed === null || !start ? '-' : f2(start.resumed)} | ${st.length} (${inWindow}) | ${desc || 'none'} |`)
  }
}
if (lines.length) {
  console.log('| path | try | p50 ms | hls.js target at the end s | hls.js latency at the end s | waited for the first frame s | stalls after it (in the window) | each stall: s after the first frame, what ran out |')
  console.log('|---|---:|---:|---:|---:|---:|---:|---|')
  for (const l of lines) console.log(l)
}
