import { describe, expect, it } from 'vitest'
import { filtersFromRoute, filtersToQuery, filtersToRoute, hasNarrowing } from './filters'

describe('library filters in the address', () => {
  it('reads the address, with defaults for what is missing or wrong', () => {
    expect(filtersFromRoute({})).toEqual({ q: '', sort: 'added', order: 'desc', genre: '', mine: false })
    expect(filtersFromRoute({ q: 'noir', sort: 'title', genre: 'Drama', mine: '1' })).toEqual({ q: 'noir', sort: 'title', order: 'asc', genre: 'Drama', mine: true })
    expect(filtersFromRoute({ sort: 'rating', order: 'sideways' })).toMatchObject({ sort: 'added', order: 'desc' })
    expect(filtersFromRoute({ q: ['a', 'b'] }).q).toBe('a')
  })

  it('writes only what differs from the defaults, and round-trips', () => {
    expect(filtersToRoute(filtersFromRoute({}))).toEqual({})
    const f = { q: ' noir ', sort: 'year' as const, order: 'desc' as const, genre: '', mine: true }
    expect(filtersToRoute(f)).toEqual({ q: 'noir', sort: 'year', order: 'desc', mine: '1' })
    expect(filtersFromRoute(filtersToRoute(f))).toEqual({ ...f, q: 'noir' })
  })

  it('builds the API query with the cursor', () => {
    const f = filtersFromRoute({ q: 'x', mine: '1' })
    expect(filtersToQuery(f, 24, 'abc')).toEqual({ q: 'x', sort: 'added', order: 'desc', genre: undefined, owner: 'me', cursor: 'abc', limit: 24 })
    expect(hasNarrowing(f)).toBe(true)
    expect(hasNarrowing(filtersFromRoute({ sort: 'title' }))).toBe(false)
  })
})
