// Who is using the UI: the logged-in user (or nobody) and whether this server has accounts at all.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, ApiError } from '@/shared/api'
import type { LoginRequest, RegisterRequest, User } from '@/shared/api'
import { userApi } from '../api/userApi'

export const useSessionStore = defineStore('session', () => {
  const user = ref<User | null>(null)
  /** False when the server has no auth plugin (GET /api/auth/session is 404). */
  const authAvailable = ref(true)
  const loaded = ref(false)
  let loading: Promise<void> | null = null

  const isLoggedIn = computed(() => user.value !== null)
  // A server without the auth plugin has no accounts and leaves its admin API open to whoever
  // reaches it (it listens on 127.0.0.1 by default), so the UI shows the admin page to everyone.
  const isAdmin = computed(() => !authAvailable.value || user.value?.role === 'admin')

  function acceptAuth(next: User | null, csrfToken: string | null) {
    user.value = next
    api.setCsrfToken(csrfToken)
  }

  /** Loads the session once; later calls share the first request. `force` asks again. */
  function fetchSession(force = false): Promise<void> {
    if (loaded.value && !force) return Promise.resolve()
    if (!loading) {
      loading = (async () => {
        try {
          const session = await userApi.session()
          authAvailable.value = true
          acceptAuth(session.user, session.csrf_token)
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) {
            authAvailable.value = false
            acceptAuth(null, null)
          } else if (err instanceof ApiError && err.status === 401) {
            acceptAuth(null, null)
          } else {
            throw err
          }
        } finally {
          loaded.value = true
          loading = null
        }
      })()
    }
    return loading
  }

  async function login(credentials: LoginRequest) {
    const result = await userApi.login(credentials)
    acceptAuth(result.user, result.csrf_token)
    return result.user
  }

  async function register(request: RegisterRequest) {
    const result = await userApi.register(request)
    acceptAuth(result.user, result.csrf_token)
    return result.user
  }

  async function logout() {
    try {
      await userApi.logout()
    } finally {
      // Even if the server is gone, forget the user locally; a fresh session gets a fresh token.
      acceptAuth(null, null)
      loaded.value = false
    }
  }

  function updateUser(changes: Partial<User>) {
    if (user.value) user.value = { ...user.value, ...changes }
  }

  return { user, authAvailable, loaded, isLoggedIn, isAdmin, fetchSession, login, register, logout, updateUser }
})
