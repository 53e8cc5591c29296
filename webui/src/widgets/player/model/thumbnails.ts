// Seek-bar previews from a WebVTT thumbnail index: each cue names a picture, usually a region of
// a sprite sheet by a media fragment (`sprite.jpg#xywh=160,0,160,90`), for a span of the film.
// The same format as JW Player, Video.js and PeerTube use.

export interface ThumbnailCue {
  start: number
  end: number
  /** The image, resolved against the VTT's own address. */
  url: string
  /** The region of it; null when the cue means the whole image. */
  x: number
  y: number
  w: number | null
  h: number | null
}

/** "01:02:03.500" or "02:03.500" (WebVTT timestamps) in seconds; NaN when it is not one. */
export function parseTimestamp(text: string): number {
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$/.exec(text.trim())
  if (!m) return Number.NaN
  const [, h, min, sec, frac] = m
  return Number(h ?? 0) * 3600 + Number(min) * 60 + Number(sec) + (frac ? Number(frac.padEnd(3, '0')) / 1000 : 0)
}

function resolveUrl(target: string, base: string): string {
  try {
    return new URL(target, new URL(base, 'http://placeholder.invalid/')).href.replace(/^http:\/\/placeholder\.invalid/, '')
  } catch {
    return target
  }
}

/**
 * Parses the index. Unknown blocks (NOTE, STYLE, REGION) and cues that make no sense (end before
 * start, no picture) are skipped, never fatal: a broken line costs one preview, not all of them.
 */
export function parseThumbnailVtt(text: string, vttUrl = ''): ThumbnailCue[] {
  const cues: ThumbnailCue[] = []
  const blocks = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split(/\n{2,}/)
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l.trim() !== '')
    const timing = lines.findIndex((l) => l.includes('-->'))
    if (timing < 0) continue
    const [from, toAndSettings] = lines[timing]!.split('-->')
    const start = parseTimestamp(from ?? '')
    const end = parseTimestamp((toAndSettings ?? '').trim().split(/\s+/)[0] ?? '')
    const payload = lines[timing + 1]?.trim()
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start || !payload) continue
    const hash = payload.indexOf('#')
    const target = hash >= 0 ? payload.slice(0, hash) : payload
    const fragment = hash >= 0 ? payload.slice(hash + 1) : ''
    const xywh = /(?:^|&)xywh=(?:pixel:)?(\d+),(\d+),(\d+),(\d+)/.exec(fragment)
    if (!target) continue
    cues.push({
      start,
      end,
      url: resolveUrl(target, vttUrl),
      x: xywh ? Number(xywh[1]) : 0,
      y: xywh ? Number(xywh[2]) : 0,
      w: xywh ? Number(xywh[3]) : null,
      h: xywh ? Number(xywh[4]) : null,
    })
  }
  return cues.sort((a, b) => a.start - b.start)
}

/** The cue showing at `time` (binary search; the last one also covers the very end). */
export function cueAt(cues: readonly ThumbnailCue[], time: number): ThumbnailCue | null {
  if (cues.length === 0 || !Number.isFinite(time)) return null
  let lo = 0
  let hi = cues.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const cue = cues[mid]!
    if (time < cue.start) hi = mid - 1
    else if (time >= cue.end) lo = mid + 1
    else return cue
  }
  const last = cues[cues.length - 1]!
  if (time >= last.end && time - last.end < 1) return last
  return null
}
