#!/usr/bin/env node
// One-off check of the latency bench's clock stamp (not part of meson test; run by hand or by
// `bash bench/latency.sh` before it measures anything): publisher.py's frames, through libx264 at
// 320x180 and 640x360 (the bench's bit rate and a starved one) and back to RGBA, must decode to the
// stamps it drew, in order; a flipped bit must be rejected.
//   node bench/latency/stamp_check.mjs
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const S = createRequire(import.meta.url)('./stamp.cjs')
let failures = 0
const check = (ok, what) => { if (!ok) { failures++; console.error(`FAIL: ${what}`) } }

// Pure round trip through an RGBA picture.
function picture(ms, width, height, flip = -1) {
  const rgba = new Uint8ClampedArray(width * height * 4).fill(110)
  const side = width / S.COLUMNS
  S.bits(ms).map((bit, i) => (i === flip ? 1 - bit : bit)).forEach((bit, i) => {
    const x0 = (i % S.COLUMNS) * side, y0 = Math.floor(i / S.COLUMNS) * side
    for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) rgba.fill(bit ? 235 : 16, (y * width + x) * 4, (y * width + x) * 4 + 3)
  })
  return rgba
}
for (const ms of [0, 1, 2 ** 32 - 1, Date.now(), 1764626400123]) {
  check(S.decode(picture(ms, 320, 40), 320, 40) === Number(BigInt.asUintN(32, BigInt(ms))), `round trip ${ms}`)
}
for (const flip of [0, 7, 19, 31, 35]) check(S.decode(picture(123456789, 320, 40, flip), 320, 40) === null, `bit ${flip} flipped is rejected`)
const now = Date.now()
check(S.unwrap(Number(BigInt.asUintN(32, BigInt(now - 1500))), now) === now - 1500, 'unwrap')

// Through the codec: publisher.py --raw, libx264 (as the publisher encodes), decoded back.
for (const [size, rate] of [['320x180', '300k'], ['640x360', '1M'], ['640x360', '150k']]) {
  const [w, h] = size.split('x').map(Number)
  const frames = 60
  const raw = execFileSync('python3', [join(here, 'publisher.py'), '--raw', String(frames), '--size', size], { maxBuffer: 1 << 28 })
  const h264 = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-video_size', size,
    '-framerate', '30', '-i', 'pipe:0', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'baseline',
    '-g', '30', '-b:v', rate, '-maxrate', rate, '-bufsize', rate, '-f', 'h264', 'pipe:1'], { input: raw, maxBuffer: 1 << 28 })
  const rgba = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'h264', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'],
    { input: h264, maxBuffer: 1 << 28 })
  const bytes = w * h * 4
  const got = []
  for (let i = 0; i * bytes < rgba.length; i++) got.push(S.decode(rgba.subarray(i * bytes, (i + 1) * bytes), w, h))
  const ok = got.filter((v) => v !== null)
  const steps = ok.slice(1).map((v, i) => v - ok[i])
  check(got.length === frames, `${size} ${rate}: ${got.length} frames decoded by ffmpeg, want ${frames}`)
  check(ok.length >= frames - 1, `${size} ${rate}: ${ok.length} of ${got.length} stamps read`)
  check(steps.every((d) => d === 33), `${size} ${rate}: stamps step by 33 ms: ${[...new Set(steps)].join(',')}`)
  console.log(`${size} at ${rate}: ${ok.length}/${got.length} stamps read, ${(h264.length * 8 / 2 / 1000).toFixed(0)} kb/s`)
}
if (failures) process.exit(1)
console.log('stamp check ok')
