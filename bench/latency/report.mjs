#!/usr/bin/env node
// bench/latency.sh's report: results.jsonl + meta.json -> BASE.md and BASE.tsv, the table on stdout.
//   node report.mjs RESULTS.jsonl META.json BASE
import { readFileSync, writeFileSync } from 'node:fs'

const [resultsPath, metaPath, base] = process.argv.slice(2)
const rows = readFileSync(resultsPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
const meta = JSON.parse(readFileSync(metaPath, 'utf8'))
const WHAT = {
  'nginx-hls': 'RTMP -> nginx-rtmp HLS -> hls.js',
  'kek-hls': 'RTMP -> KEK `live` HLS -> hls.js',
  'kek-srt-hls': 'SRT -> KEK `live` HLS -> hls.js',
  'kek-llhls': 'RTMP -> KEK `live-ll` LL-HLS -> hls.js lowLatencyMode',
  'kek-srt-llhls': 'SRT -> KEK `live-ll` LL-HLS -> hls.js lowLatencyMode',
  'kek-srt-llhls-tsmux': 'SRT, ffmpeg\'s MPEG-TS muxer as it comes (AAC ~0.35 s per PES) -> KEK `live-ll` LL-HLS -> hls.js lowLatencyMode',
  'kek-whep': 'RTMP -> KEK -> WHEP (RTCPeerConnection)',
  'kek-whip-whep': 'WHIP (Chromium canvas) -> KEK -> WHEP',
  'webrtc-loopback': 'Chromium canvas -> RTCPeerConnection -> RTCPeerConnection (no server: the WebRTC floor)',
}
const s = (ms) => (ms === null || ms === undefined ? '' : (ms / 1000).toFixed(2))
const cols = ['gop_s', 'path', 'available', 'valid', 'p50_ms', 'p95_ms', 'min_ms', 'max_ms', 'tries_p50_ms', 'tries_player', 'frames', 'unread', 'fps_shown',
  'step_median_ms', 'backwards', 'repeats', 'media_agree_pct', 'window_s', 'start_s', 'target_s', 'segments_s', 'parts', 'listed', 'over_target', 'size', 'player', 'reason']
const flat = rows.map((r) => ({ gop_s: r.gop_s, path: r.path, available: r.available, ...(r.result ?? {}), ...(r.result?.playlist ?? {}),
  valid: r.available ? Boolean(r.result?.valid) : '', reason: r.reason ?? r.result?.reason ?? '' }))
writeFileSync(`${base}.tsv`, [cols.join('\t'), ...flat.map((r) => cols.map((c) => String(r[c] ?? '').replace(/[\t\n]/g, ' ')).join('\t'))].join('\n') + '\n')

const table = ['| keyframe | path | p50 s | p95 s | min-max s | p50 of each try s (the player target latency at its end, s / stalls) | frames (unread) | shown fps | stamp checks | playlist | note |',
  '|---|---|---:|---:|---:|---:|---:|---:|---|---|---|']
for (const r of flat) {
  const checks = r.available && r.frames ? `step ${r.step_median_ms} ms, ${r.backwards} backwards, ${r.repeats ?? 0} repeated, ${r.media_agree_pct}% = media time` : ''
  const note = !r.available ? `not available: ${r.reason}` : r.valid ? '' : `**discarded**: ${r.reason}`
  table.push(`| ${r.gop_s} s | ${r.path}: ${WHAT[r.path] ?? ''} | ${r.valid ? s(r.p50_ms) : ''} | ${r.valid ? s(r.p95_ms) : ''} | ` +
    `${r.valid ? `${s(r.min_ms)}-${s(r.max_ms)}` : ''} | ${(r.tries_p50_ms ?? '').split(' ').filter(Boolean).map((v, i) => s(Number(v)) + (r.tries_player ? ` (${r.tries_player.split(' ')[i]})` : '')).join(', ')} | ${r.frames ?? ''}${r.frames ? ` (${r.unread})` : ''} | ${r.fps_shown ?? ''} | ${checks} | ${r.target_s ? `target ${r.target_s} s, last ${r.segments_s}${r.parts ? `, ${r.parts} parts` : ''}${r.listed ? (r.over_target ? `, **${r.over_target} of ${r.listed} EXTINF round above the target**` : `, all ${r.listed} EXTINF round to <= target`) : ''}` : ''} | ${note} |`)
}

const goals = []
const get = (path, gop) => flat.find((r) => r.path === path && r.gop_s === gop && r.valid)
for (const gop of [...new Set(flat.map((r) => r.gop_s))]) {
  const nginx = get('nginx-hls', gop)
  for (const path of ['kek-hls', 'kek-srt-hls']) {
    const k = get(path, gop)
    if (k && nginx) {
      const ratio = k.p50_ms / nginx.p50_ms
      goals.push(`- keyframe ${gop} s, ${path} no worse than nginx-rtmp: p50 ${s(k.p50_ms)} s vs ${s(nginx.p50_ms)} s = ${ratio.toFixed(2)}x ` +
        `(p95 ${(k.p95_ms / nginx.p95_ms).toFixed(2)}x): **${ratio <= 1.0 ? 'met' : ratio <= 1.05 ? 'met within 5%' : 'missed'}**`)
    } else goals.push(`- keyframe ${gop} s, ${path} vs nginx-rtmp: no valid pair in this run`)
  }
  for (const [path, limit] of [['kek-llhls', 2000], ['kek-srt-llhls', 2000], ['kek-whep', 500], ['kek-whip-whep', 500]]) {
    const row = flat.find((r) => r.path === path && r.gop_s === gop)
    const k = get(path, gop)
    if (k) goals.push(`- keyframe ${gop} s, ${path} at most ${s(limit)} s: p50 ${s(k.p50_ms)} s, p95 ${s(k.p95_ms)} s: **${k.p50_ms <= limit ? (k.p95_ms <= limit ? 'met (p95 too)' : 'met at p50, not at p95') : 'missed'}**`)
    else goals.push(`- keyframe ${gop} s, ${path} at most ${s(limit)} s: ${row && !row.available ? 'not available' : 'no valid run'}`)
  }
}

const md = `# Glass-to-glass latency, ${meta.date}

\`bash bench/latency.sh\` at git ${meta.git} (${meta.kek_version}). ${meta.cpu}, ${meta.nproc} cores, load average
${meta.load_before} before and ${meta.load_after} after the run.${meta.notes ? `\n\n${meta.notes}` : ''}

Publisher: bench/latency/publisher.py, ${meta.size} grey frames at ${meta.fps} fps made in real time with the wall clock
burnt in (40 blocks: ms mod 2^32 + CRC-8), ffmpeg (${meta.ffmpeg}) libx264 \`veryfast\` \`zerolatency\` constrained baseline
${meta.bitrate}b/s, a keyframe every "keyframe" s, + AAC 64k; over RTMP (FLV) or SRT (MPEG-TS with \`-pes_payload_size 0 -omit_video_pes_length 0 -flush_packets 1\`: every frame in its own PES, sent at once, except on kek-srt-llhls-tsmux; SRT latency ${meta.srt_latency_ms} ms on both ends). Player: ${meta.chromium}
(headless, playwright-core), hls.js ${meta.hlsjs} with its defaults (\`lowLatencyMode\` on for LL-HLS, off otherwise), or
RTCPeerConnection with WHEP. Latency = the frame's expected display time (requestVideoFrameCallback) minus its stamp,
pooled over ${meta.tries} player sessions (fresh pages, one after another, on the same publish) of ${meta.window} s each
after ${meta.warmup} s of playing; a path whose stamps do not read (over 5% unreadable, any going
backwards, over 2% the same as the one before, steps not matching the media time) is discarded. nginx ${meta.nginx_version} + libnginx-mod-rtmp
${meta.rtmp_module}: \`hls_fragment ${meta.segment_s}s\`, KEK: \`segment_s: ${meta.segment_s}\`, both on this machine in this run.

${table.join('\n')}

## Goals

${goals.join('\n')}

## KEK's pipelines

- \`live\`: \`${meta.launch_live || '?'}\`
- \`live-ll\`: \`${meta.launch_ll || 'not in this build'}\`
`
writeFileSync(`${base}.md`, md)
console.log(table.join('\n'))
console.log(goals.join('\n'))
