import { describe, expect, it } from 'vitest'
import { healthWarnings } from './health'

const ingest = { fps: 30, dropped_frames: 0, late_ms: 0 }

describe('healthWarnings', () => {
  it("warns about OBS's default keyframe interval (250 frames at 30 fps) on 2 s segments", () => {
    expect(healthWarnings({ keyframe_interval_s: 8.333, segment_s: 2, ingest })).toEqual([
      { kind: 'keyframe', keyframe: 8.3, segment: 2, delay: 25 },
    ])
  })

  it('is quiet for a 2 s interval, an unknown one, or a layout without segments', () => {
    expect(healthWarnings({ keyframe_interval_s: 2.0, segment_s: 2, ingest })).toEqual([])
    expect(healthWarnings({ keyframe_interval_s: 2.04, segment_s: 2, ingest })).toEqual([])
    expect(healthWarnings({ keyframe_interval_s: null, segment_s: 2, ingest })).toEqual([])
    expect(healthWarnings({ keyframe_interval_s: 8, segment_s: null, ingest })).toEqual([])
  })

  it('warns when the encoder falls behind real time or frames go missing', () => {
    expect(healthWarnings({ keyframe_interval_s: 2, segment_s: 2, ingest: { fps: 20, dropped_frames: 40, late_ms: 3500 } })).toEqual([
      { kind: 'late', late: 3.5 },
      { kind: 'dropped', n: 40 },
    ])
  })
})
