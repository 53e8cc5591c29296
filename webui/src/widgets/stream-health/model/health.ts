// What Studio warns a streamer about while live, from /api/live's measurements.
import type { LiveStream } from '@/shared/api'

export type HealthWarning =
  | { kind: 'keyframe'; keyframe: number; segment: number; delay: number }
  | { kind: 'late'; late: number }
  | { kind: 'dropped'; n: number }

/** Behind real time by more than this, the encoder or the upload cannot keep up. */
const LATE_WARN_MS = 2000
/** Frames missing from the timestamps: a few are noise, more means a slow upload. */
const DROPPED_WARN = 25
/** A player starts about three segments behind the live edge. */
const SEGMENTS_BEHIND = 3

export function healthWarnings(s: Pick<LiveStream, 'keyframe_interval_s' | 'segment_s' | 'ingest'>): HealthWarning[] {
  const out: HealthWarning[] = []
  const keyframe = s.keyframe_interval_s ?? null
  const segment = s.segment_s ?? null
  // Segments can only cut at keyframes: a longer interval makes every segment that long.
  if (keyframe !== null && segment !== null && segment > 0 && keyframe > segment + 0.05) {
    out.push({ kind: 'keyframe', keyframe: round1(keyframe), segment, delay: Math.round(SEGMENTS_BEHIND * keyframe) })
  }
  if (s.ingest && s.ingest.late_ms > LATE_WARN_MS) out.push({ kind: 'late', late: round1(s.ingest.late_ms / 1000) })
  if (s.ingest && s.ingest.dropped_frames > DROPPED_WARN) out.push({ kind: 'dropped', n: s.ingest.dropped_frames })
  return out
}

function round1(n: number): number {
  return Math.round(n * 10) / 10
}
