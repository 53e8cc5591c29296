import type { Router } from 'vue-router'
import { useSessionStore } from '@/entities/user'
import { safeNext } from '@/shared/lib'

/**
 * Pages that need a login send the visitor to /login?next=<where they were going>, and the
 * login page sends them back. A server without accounts has nobody to log in: those pages
 * render and explain that instead (see App.vue).
 */
export function installGuards(router: Router) {
  router.beforeEach(async (to) => {
    const session = useSessionStore()
    try {
      await session.fetchSession()
    } catch {
      // Server unreachable: let the page load and show its own error rather than a blank screen.
    }
    const mustLogIn = (to.meta.requiresAuth || to.meta.requiresAdmin) && session.authAvailable && !session.isLoggedIn
    if (mustLogIn) return { path: '/login', query: { next: to.fullPath } }
    if (to.meta.guestOnly && session.isLoggedIn) return safeNext(to.query.next, '/live')
    return true
  })
}
