import { describe, expect, it } from 'vitest'
import { chartData } from './charts'

describe('chartData', () => {
  it('makes a line per stream and scales to kbit/s, percent and MiB', () => {
    const data = chartData({
      interval_s: 10,
      t: [1000, 11000],
      series: [
        { metric: 'kek_stream_ingest_bytes_per_second', labels: { app: 'live', stream: 'zed' }, values: [125000, null] },
        { metric: 'kek_stream_ingest_bytes_per_second', labels: { app: 'live', stream: 'anna' }, values: [null, 62500] },
        { metric: 'kek_stream_viewers', labels: { app: 'live', stream: 'anna' }, values: [null, 3] },
        { metric: 'process_cpu_seconds_total', labels: {}, values: [null, 0.25] },
        { metric: 'process_resident_memory_bytes', labels: {}, values: [52428800, 53477376] },
      ],
    })
    expect(data.times).toEqual([1, 11])
    expect(data.bitrate.map((l) => l.label)).toEqual(['anna', 'zed'])
    expect(data.bitrate[1].values).toEqual([1000, null])
    expect(data.bitrate[0].values).toEqual([null, 500])
    expect(data.viewers[0].values).toEqual([null, 3])
    expect(data.cpu[0].values).toEqual([null, 25])
    expect(data.memory[0].values).toEqual([50, 51])
  })
})
