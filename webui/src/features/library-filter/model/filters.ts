// The Library page's search, sort and filters, kept in the address (?q=&sort=&genre=&mine=1) so
// back/forward, reloads and shared links show the same list.
import type { LibraryQuery, LibrarySort } from '@/shared/api'

export const SORTS: LibrarySort[] = ['added', 'title', 'year', 'duration']

export interface LibraryFilters {
  q: string
  sort: LibrarySort
  order: 'asc' | 'desc'
  genre: string
  /** Only my own items (owner=me), with their processing and failed ones. */
  mine: boolean
}

/** Newest first for "added", the natural reading order for the rest. */
export function defaultOrder(sort: LibrarySort): 'asc' | 'desc' {
  return sort === 'added' ? 'desc' : 'asc'
}

export const DEFAULT_FILTERS: LibraryFilters = { q: '', sort: 'added', order: 'desc', genre: '', mine: false }

type RouteQuery = Record<string, string | null | undefined | (string | null)[]>

function first(value: RouteQuery[string]): string {
  if (Array.isArray(value)) return value[0] ?? ''
  return value ?? ''
}

export function filtersFromRoute(query: RouteQuery): LibraryFilters {
  const sortText = first(query.sort)
  const sort = (SORTS as string[]).includes(sortText) ? (sortText as LibrarySort) : 'added'
  const orderText = first(query.order)
  return {
    q: first(query.q).slice(0, 200),
    sort,
    order: orderText === 'asc' || orderText === 'desc' ? orderText : defaultOrder(sort),
    genre: first(query.genre),
    mine: first(query.mine) === '1',
  }
}

/** Only what differs from the defaults, so a plain /library stays plain. */
export function filtersToRoute(filters: LibraryFilters): Record<string, string> {
  const out: Record<string, string> = {}
  if (filters.q.trim()) out.q = filters.q.trim()
  if (filters.sort !== 'added') out.sort = filters.sort
  if (filters.order !== defaultOrder(filters.sort)) out.order = filters.order
  if (filters.genre) out.genre = filters.genre
  if (filters.mine) out.mine = '1'
  return out
}

/** The API query for a page of results. */
export function filtersToQuery(filters: LibraryFilters, limit: number, cursor?: string | null): LibraryQuery {
  return {
    q: filters.q.trim() || undefined,
    sort: filters.sort,
    order: filters.order,
    genre: filters.genre || undefined,
    owner: filters.mine ? 'me' : undefined,
    cursor: cursor ?? undefined,
    limit,
  }
}

export function hasNarrowing(filters: LibraryFilters): boolean {
  return Boolean(filters.q.trim() || filters.genre || filters.mine)
}
