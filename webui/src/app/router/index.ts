import { createRouter, createWebHistory } from 'vue-router'
import { routes } from './routes'
import { installGuards } from './guards'

export function createAppRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes,
    // Back/forward restore the position; a #section link (/studio#upload) scrolls to it below the header.
    scrollBehavior: (to, _from, saved) => saved ?? (to.hash ? { el: to.hash, top: 80 } : { top: 0 }),
  })
  installGuards(router)
  return router
}
