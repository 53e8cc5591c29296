import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { api, ApiError } from '@/shared/api'
import type { User } from '@/shared/api'
import { useSessionStore } from './sessionStore'

const alice: User = {
  id: 1,
  username: 'alice',
  display_name: 'Alice',
  email: 'a@example.org',
  bio: '',
  role: 'user',
  avatar_url: null,
  joined_at: '2026-01-01T00:00:00Z',
}

describe('session store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    api.setCsrfToken(null)
  })

  it('loads the session once and hands the CSRF token to the API client', async () => {
    const get = vi.spyOn(api, 'get').mockResolvedValue({ user: alice, csrf_token: 'tok' })
    const session = useSessionStore()
    await Promise.all([session.fetchSession(), session.fetchSession()])
    expect(get).toHaveBeenCalledTimes(1)
    expect(session.isLoggedIn).toBe(true)
    expect(session.isAdmin).toBe(false)
    expect(api.getCsrfToken()).toBe('tok')
  })

  it('knows when the server has no accounts (404) and then treats everyone as admin', async () => {
    vi.spyOn(api, 'get').mockRejectedValue(new ApiError(404, 'Not found', '/api/auth/session'))
    const session = useSessionStore()
    await session.fetchSession()
    expect(session.authAvailable).toBe(false)
    expect(session.isLoggedIn).toBe(false)
    expect(session.isAdmin).toBe(true)
  })

  it('logs in, keeps the user and token, and forgets both on logout', async () => {
    const post = vi.spyOn(api, 'post').mockImplementation(async (path: string) =>
      path === '/api/auth/login' ? { user: { ...alice, role: 'admin' }, csrf_token: 'after-login' } : undefined,
    )
    const session = useSessionStore()
    await session.login({ username: 'alice', password: 'secret123' })
    expect(post).toHaveBeenCalledWith('/api/auth/login', { username: 'alice', password: 'secret123' })
    expect(session.user?.username).toBe('alice')
    expect(session.isAdmin).toBe(true)
    expect(api.getCsrfToken()).toBe('after-login')

    await session.logout()
    expect(session.user).toBeNull()
    expect(api.getCsrfToken()).toBeNull()
  })

  it('passes a wrong password error through unchanged', async () => {
    vi.spyOn(api, 'post').mockRejectedValue(new ApiError(401, 'wrong username or password', '/api/auth/login', true))
    const session = useSessionStore()
    await expect(session.login({ username: 'alice', password: 'nope' })).rejects.toThrow('wrong username or password')
    expect(session.user).toBeNull()
  })

  it('updates the user in place (avatar upload shows in the header at once)', async () => {
    vi.spyOn(api, 'get').mockResolvedValue({ user: alice, csrf_token: 'tok' })
    const session = useSessionStore()
    await session.fetchSession()
    session.updateUser({ avatar_url: '/media/avatars/alice.png' })
    expect(session.user?.avatar_url).toBe('/media/avatars/alice.png')
  })
})
