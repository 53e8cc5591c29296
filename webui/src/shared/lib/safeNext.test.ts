import { describe, expect, it } from 'vitest'
import { safeNext } from './safeNext'

describe('safeNext', () => {
  it('returns same-site paths and refuses everything else', () => {
    expect(safeNext('/studio?x=1', '/live')).toBe('/studio?x=1')
    expect(safeNext(['/admin'], '/live')).toBe('/admin')
    expect(safeNext('https://evil.example/', '/live')).toBe('/live')
    expect(safeNext('//evil.example/', '/live')).toBe('/live')
    expect(safeNext('/\\evil.example', '/live')).toBe('/live')
    expect(safeNext('/login?next=/x', '/live')).toBe('/live')
    expect(safeNext(undefined, '/live')).toBe('/live')
  })
})
