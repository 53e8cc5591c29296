// Small formatters shared by pages; all take the active locale so numbers read naturally.

/** 3725 -> "1:02:05", 65 -> "1:05". */
export function formatClock(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return '0:00'
  const s = Math.floor(totalSeconds % 60)
  const m = Math.floor((totalSeconds / 60) % 60)
  const h = Math.floor(totalSeconds / 3600)
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m)
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`
}

/** Uptime in the largest two units: "2d 3h", "4h 12m", "5m 3s", "42s". */
export function formatUptime(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds))
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${sec}s`
  return `${sec}s`
}

export function formatBitrate(kbps: number | null | undefined): string {
  if (!kbps || kbps <= 0) return ''
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mb/s` : `${Math.round(kbps)} kb/s`
}

export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return date.toLocaleDateString(locale, { year: 'numeric', month: 'long', day: 'numeric' })
}

export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })
}

/** "Anna Karenina" -> "AK", for avatar and poster placeholders. */
export function initials(name: string): string {
  const parts = name.trim().split(/[\s_.-]+/).filter(Boolean)
  const letters = parts.slice(0, 2).map((p) => p[0]!.toUpperCase())
  return letters.join('') || '?'
}

/** A stable hue from a string, so a stream's placeholder keeps its colour between visits. */
export function hueOf(text: string): number {
  let hash = 0
  for (const ch of text) hash = (hash * 31 + ch.charCodeAt(0)) | 0
  return Math.abs(hash) % 360
}

/** "5 minutes ago", in the reader's language. */
export function formatSince(iso: string | null | undefined, locale: string, now = Date.now()): string {
  if (!iso) return ''
  const then = new Date(iso).getTime()
  if (Number.isNaN(then)) return iso
  const seconds = Math.round((then - now) / 1000)
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  const abs = Math.abs(seconds)
  if (abs < 60) return rtf.format(seconds, 'second')
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute')
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour')
  return rtf.format(Math.round(seconds / 86400), 'day')
}

function unit(value: number, name: string, locale: string, display: 'narrow' | 'short' = 'narrow', digits = 0): string {
  return new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: display, maximumFractionDigits: digits }).format(value)
}

/**
 * A film's length the way a catalogue prints it: 5820 -> "1h 37m" ("1 ч 37 мин"), 754 -> "12m",
 * 42 -> "42s". Empty for an unknown length.
 */
export function formatDuration(totalSeconds: number | null | undefined, locale: string): string {
  if (totalSeconds == null || !Number.isFinite(totalSeconds) || totalSeconds < 0) return ''
  const s = Math.round(totalSeconds)
  if (s < 60) return unit(s, 'second', locale)
  const h = Math.floor(s / 3600)
  const m = Math.round((s % 3600) / 60)
  if (h === 0) return unit(m, 'minute', locale)
  // 1h 59m 50s rounds to 2h 0m, not "1h 60m".
  if (m === 60) return unit(h + 1, 'hour', locale)
  return m > 0 ? `${unit(h, 'hour', locale)} ${unit(m, 'minute', locale)}` : unit(h, 'hour', locale)
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const

function scaleBytes(bytes: number): { value: number; index: number } {
  let value = Math.max(0, bytes)
  let index = 0
  while (value >= 1000 && index < BYTE_UNITS.length - 1) {
    value /= 1000
    index += 1
  }
  return { value, index }
}

/** 1_234_567 -> "1.2 MB" ("1,2 МБ"): decimal units, as disks and browsers count. */
export function formatBytes(bytes: number | null | undefined, locale: string): string {
  if (bytes == null || !Number.isFinite(bytes)) return ''
  const { value, index } = scaleBytes(bytes)
  return unit(value, BYTE_UNITS[index]!, locale, 'short', index === 0 || value >= 100 ? 0 : 1)
}

/** Upload speed: 2_500_000 -> "2.5 MB/s". */
export function formatSpeed(bytesPerSecond: number | null | undefined, locale: string): string {
  if (bytesPerSecond == null || !Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return ''
  const { value, index } = scaleBytes(bytesPerSecond)
  return unit(value, `${BYTE_UNITS[index]!}-per-second`, locale, 'short', index === 0 || value >= 100 ? 0 : 1)
}

/**
 * Time left, coarse as people read it: "45s", "3m 20s" under ten minutes, "12m", "1h 5m".
 * Empty when unknown.
 */
export function formatEta(seconds: number | null | undefined, locale: string): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return ''
  const s = Math.ceil(seconds)
  if (s < 60) return unit(s, 'second', locale)
  if (s < 600) {
    const m = Math.floor(s / 60)
    const rest = s % 60
    return rest > 0 ? `${unit(m, 'minute', locale)} ${unit(rest, 'second', locale)}` : unit(m, 'minute', locale)
  }
  return formatDuration(s, locale)
}

/** Percent as a whole number 0-100, for progress bars and "43 %". */
export function percent(value: number | null | undefined): number {
  if (value == null || !Number.isFinite(value)) return 0
  return Math.min(100, Math.max(0, Math.floor(value)))
}
