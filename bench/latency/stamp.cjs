// The clock stamp burnt into every frame of the latency bench (bench/latency.sh), shared by the
// page that reads it back (loaded as a plain script: globalThis.KekStamp), the WHIP publisher page
// and the node check (stamp_check.mjs). bench/latency/publisher.py draws the same pattern.
//
// The top of the frame holds two rows of 20 square blocks each (block side = width / 20): 40 bits,
// most significant first, left to right then the second row. Bits 0-31 are the wall clock in
// milliseconds since the epoch mod 2^32 when the frame was made, bits 32-39 their CRC-8 (poly 0x07),
// so a frame the codec smeared is rejected instead of read wrong. White (luma 235) is 1, black
// (luma 16) is 0; the reader takes the mean luma of the middle half of each block.
'use strict'
;(function () {
  const COLUMNS = 20
  const BITS = 40

  function crc8(bytes) {
    let crc = 0
    for (const b of bytes) {
      crc ^= b
      for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff
    }
    return crc
  }

  // The 40 bits (array of 0/1) for a stamp (milliseconds, any size: taken mod 2^32).
  function bits(ms) {
    const v = Number(BigInt.asUintN(32, BigInt(Math.floor(ms))))
    const bytes = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]
    const out = []
    for (const b of [...bytes, crc8(bytes)]) for (let i = 7; i >= 0; i--) out.push((b >> i) & 1)
    return out
  }

  // The stamp (0 .. 2^32-1) read from RGBA pixels (an ImageData's data) of a picture `width` wide
  // whose top rows are at least 2 blocks high, or null when the check byte does not match.
  function decode(rgba, width, height) {
    const side = width / COLUMNS
    if (height < 2 * side - 1) return null
    const got = []
    for (let i = 0; i < BITS; i++) {
      const x0 = Math.round((i % COLUMNS) * side + side / 4), y0 = Math.round(Math.floor(i / COLUMNS) * side + side / 4)
      const n = Math.max(1, Math.round(side / 2))
      let sum = 0, count = 0
      for (let y = y0; y < y0 + n && y < height; y++) {
        for (let x = x0; x < x0 + n && x < width; x++) {
          const p = (y * width + x) * 4
          sum += rgba[p] * 0.299 + rgba[p + 1] * 0.587 + rgba[p + 2] * 0.114
          count++
        }
      }
      got.push(sum / count >= 128 ? 1 : 0)
    }
    const bytes = []
    for (let b = 0; b < 5; b++) bytes.push(got.slice(b * 8, b * 8 + 8).reduce((a, bit) => (a << 1) | bit, 0))
    if (crc8(bytes.slice(0, 4)) !== bytes[4]) return null
    return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0
  }

  // Draws the pattern for `ms` on a 2D canvas context `width` wide (the WHIP publisher's frames).
  function draw(ctx, width, ms) {
    const side = width / COLUMNS
    bits(ms).forEach((bit, i) => {
      ctx.fillStyle = bit ? 'rgb(235,235,235)' : 'rgb(16,16,16)'
      ctx.fillRect(Math.round((i % COLUMNS) * side), Math.round(Math.floor(i / COLUMNS) * side), Math.ceil(side), Math.ceil(side))
    })
  }

  // The wall-clock time a stamp was made, given a time `now` (ms) shortly after it: undoes the
  // mod 2^32 (a stamp up to 24 days old or 24 days ahead of `now`).
  function unwrap(stamp, now) {
    let diff = (Math.floor(now) - stamp) % 2 ** 32
    if (diff < 0) diff += 2 ** 32
    if (diff > 2 ** 31) diff -= 2 ** 32
    return Math.floor(now) - diff
  }

  const api = { COLUMNS, BITS, crc8, bits, decode, draw, unwrap }
  if (typeof module !== 'undefined' && module.exports) module.exports = api
  else globalThis.KekStamp = api
})()
