import { describe, expect, it } from 'vitest'
import type { LibraryItem } from '@/shared/api'
import { changesFrom, formFromItem, parseAllowed, parseGenres, validateForm } from './form'

const item = { title: 'Film', description: '', year: 2001, genres: ['Drama'], visibility: 'public', allowed: [] } as unknown as LibraryItem

describe('item edit form', () => {
  it('cleans genres', () => {
    expect(parseGenres('drama, Crime ,, DRAMA,  ')).toEqual(['drama', 'Crime'])
  })

  it('sends only what changed', () => {
    const form = formFromItem(item)
    expect(changesFrom(item, form)).toEqual({})
    expect(changesFrom(item, { ...form, title: ' New ', year: '', genres: 'Drama, Comedy' })).toEqual({ title: 'New', year: null, genres: ['Drama', 'Comedy'] })
    expect(changesFrom(item, { ...form, visibility: 'private' })).toEqual({ visibility: 'private' })
  })

  it('a private item may name who else watches it', () => {
    expect(parseAllowed('anna, @boris group:family,anna')).toEqual(['anna', 'boris', 'group:family'])
    const form = { ...formFromItem(item), visibility: 'private', allowed: 'anna, group:family' }
    expect(changesFrom(item, form)).toEqual({ visibility: 'private', allowed: ['anna', 'group:family'] })
    // Public again: the list is cleared with it.
    const shared = { ...item, visibility: 'private', allowed: ['anna'] } as unknown as LibraryItem
    expect(changesFrom(shared, { ...formFromItem(shared), visibility: 'public' })).toEqual({ visibility: 'public', allowed: [] })
  })

  it('refuses an empty title and a year that is not one', () => {
    const form = formFromItem(item)
    const now = new Date('2025-06-01')
    expect(validateForm(form, now)).toBeNull()
    expect(validateForm({ ...form, title: '  ' }, now)).toBe('titleRequired')
    expect(validateForm({ ...form, year: '20x1' }, now)).toBe('yearInvalid')
    expect(validateForm({ ...form, year: '3000' }, now)).toBe('yearInvalid')
    expect(validateForm({ ...form, year: '' }, now)).toBeNull()
  })
})
