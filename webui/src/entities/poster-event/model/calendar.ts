// Days as the viewer lives them: events grouped by their local day, a month's grid of weeks,
// months to step through. "Local" is the browser's time zone (Date's local fields), so the same
// UTC start lands on the right day in Moscow and in New York, across DST changes.

export interface YearMonth {
  year: number
  /** 1..12 */
  month: number
}

/** "2026-12-01" for a moment in the viewer's zone. */
export function dayKey(date: Date): string {
  const y = date.getFullYear()
  const m = String(date.getMonth() + 1).padStart(2, '0')
  const d = String(date.getDate()).padStart(2, '0')
  return `${y}-${m}-${d}`
}

export function currentMonth(now = new Date()): YearMonth {
  return { year: now.getFullYear(), month: now.getMonth() + 1 }
}

export function addMonths(ym: YearMonth, count: number): YearMonth {
  const index = ym.year * 12 + (ym.month - 1) + count
  return { year: Math.floor(index / 12), month: (index % 12) + 1 }
}

/** "2026-12", as GET /api/poster?month= reads it. */
export function monthParam(ym: YearMonth): string {
  return `${ym.year}-${String(ym.month).padStart(2, '0')}`
}

export function parseMonthParam(text: unknown): YearMonth | null {
  if (typeof text !== 'string') return null
  const m = /^(\d{4})-(\d{2})$/.exec(text)
  if (!m) return null
  const month = Number(m[2])
  if (month < 1 || month > 12) return null
  return { year: Number(m[1]), month }
}

export interface DayGroup<T> {
  key: string
  /** Local midnight of that day. */
  date: Date
  items: T[]
}

/** Items grouped by the local day they start on, days and items in time order. */
export function groupByDay<T extends { starts_at: string }>(items: readonly T[]): DayGroup<T>[] {
  const sorted = [...items].sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at))
  const groups = new Map<string, DayGroup<T>>()
  for (const item of sorted) {
    const start = new Date(item.starts_at)
    const key = dayKey(start)
    let group = groups.get(key)
    if (!group) {
      group = { key, date: new Date(start.getFullYear(), start.getMonth(), start.getDate()), items: [] }
      groups.set(key, group)
    }
    group.items.push(item)
  }
  return [...groups.values()]
}

export interface GridDay {
  key: string
  date: Date
  day: number
  inMonth: boolean
}

/**
 * The weeks that show a month, each of 7 days starting on `weekStart` (0 Sunday, 1 Monday), with
 * the neighbouring months' days that fill the first and last week.
 */
export function monthGrid(ym: YearMonth, weekStart: 0 | 1): GridDay[][] {
  const first = new Date(ym.year, ym.month - 1, 1)
  const lead = (first.getDay() - weekStart + 7) % 7
  const cursor = new Date(ym.year, ym.month - 1, 1 - lead)
  const weeks: GridDay[][] = []
  do {
    const week: GridDay[] = []
    for (let i = 0; i < 7; i++) {
      week.push({ key: dayKey(cursor), date: new Date(cursor), day: cursor.getDate(), inMonth: cursor.getMonth() === ym.month - 1 })
      // Calendar arithmetic, not 24 h steps: a DST day is 23 or 25 hours long.
      cursor.setDate(cursor.getDate() + 1)
    }
    weeks.push(week)
  } while (cursor.getMonth() === ym.month - 1)
  return weeks
}

/** Where weeks start for a language: Monday in Russian, Sunday in (US) English. */
export function weekStartOf(locale: string): 0 | 1 {
  return locale.toLowerCase().startsWith('en') ? 0 : 1
}

/** The viewer's IANA zone ("Europe/Moscow"), for the server's month and agenda spans. */
export function viewerTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

/** "in 3 days", "in 2 hours", "tomorrow", in the reader's language; "" once it started. */
export function startsIn(iso: string, locale: string, now = Date.now()): string {
  const start = Date.parse(iso)
  if (Number.isNaN(start) || start <= now) return ''
  const seconds = (start - now) / 1000
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  if (seconds < 60) return rtf.format(Math.ceil(seconds), 'second')
  if (seconds < 3600) return rtf.format(Math.round(seconds / 60), 'minute')
  if (seconds < 86400) return rtf.format(Math.round(seconds / 3600), 'hour')
  // Days as the calendar counts them: tonight's 23:00 to tomorrow's 01:00 is "tomorrow".
  const today = new Date(now)
  const then = new Date(start)
  const days = Math.round(
    (Date.UTC(then.getFullYear(), then.getMonth(), then.getDate()) - Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())) /
      86_400_000,
  )
  return rtf.format(days, 'day')
}

/** 3725 s -> "01:02:05": the countdown's clock. Days shown when there are any. */
export function countdownClock(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds))
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d > 0 ? `${d}:` : ''}${pad(h)}:${pad(m)}:${pad(sec)}`
}
