// The admin page's charts from /api/admin/metrics/history: one line per live stream for ingest
// bitrate and viewers, and the process' CPU and resident memory.
import type { MetricsHistory } from '@/shared/api'

export interface ChartData {
  times: number[] // unix seconds
  bitrate: { label: string; values: (number | null)[] }[] // kbit/s
  viewers: { label: string; values: (number | null)[] }[]
  cpu: { label: string; values: (number | null)[] }[] // percent of one core
  memory: { label: string; values: (number | null)[] }[] // MiB
}

const scale = (values: (number | null)[], by: number) => values.map((v) => (v === null ? null : v * by))

export function chartData(history: MetricsHistory): ChartData {
  const pick = (metric: string) => history.series.filter((s) => s.metric === metric)
  const streamLabel = (labels: Record<string, string>) => labels.stream ?? '?'
  const byStream = (metric: string, by: number) =>
    pick(metric)
      .map((s) => ({ label: streamLabel(s.labels), values: scale(s.values, by) }))
      .sort((a, b) => a.label.localeCompare(b.label))
  return {
    times: history.t.map((ms) => ms / 1000),
    bitrate: byStream('kek_stream_ingest_bytes_per_second', 8 / 1000),
    viewers: byStream('kek_stream_viewers', 1),
    cpu: pick('process_cpu_seconds_total').map((s) => ({ label: 'CPU', values: scale(s.values, 100) })),
    memory: pick('process_resident_memory_bytes').map((s) => ({ label: 'RSS', values: scale(s.values, 1 / (1024 * 1024)) })),
  }
}
