import { describe, expect, it } from 'vitest'
import { matchesUser } from './search'

const alice = { username: 'alice', display_name: 'Алиса Éclair', email: 'alice@example.org' }

describe('matchesUser', () => {
  it('finds by any part of the name, display name or email, ignoring case and accents', () => {
    expect(matchesUser(alice, 'ALI')).toBe(true)
    expect(matchesUser(alice, 'eclair')).toBe(true)
    expect(matchesUser(alice, 'алиса')).toBe(true)
    expect(matchesUser(alice, 'example.org')).toBe(true)
    expect(matchesUser(alice, '  ')).toBe(true)
  })

  it('does not find what is not there', () => {
    expect(matchesUser(alice, 'bob')).toBe(false)
  })
})
