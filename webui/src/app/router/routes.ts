import type { RouteRecordRaw } from 'vue-router'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title. */
    title?: string
    requiresAuth?: boolean
    requiresAdmin?: boolean
    /** Login and register: a logged-in visitor goes straight on. */
    guestOnly?: boolean
    /** The page alone, without the header and footer (an embedded player). */
    bare?: boolean
  }
}

// Pages load lazily: the first paint only needs the shell and the page you opened.
export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/live' },
  { path: '/live', name: 'live', component: () => import('@/pages/live'), meta: { title: 'nav.live' } },
  { path: '/live/:stream', name: 'watch', component: () => import('@/pages/live-watch'), props: true, meta: { title: 'nav.live' } },
  { path: '/library', name: 'library', component: () => import('@/pages/library'), meta: { title: 'nav.library' } },
  { path: '/library/:id', name: 'library-item', component: () => import('@/pages/library-item'), props: true, meta: { title: 'nav.library' } },
  { path: '/poster', name: 'poster', component: () => import('@/pages/poster'), meta: { title: 'nav.poster' } },
  { path: '/poster/:id', name: 'poster-event', component: () => import('@/pages/poster-event'), props: true, meta: { title: 'nav.poster' } },
  { path: '/history', name: 'history', component: () => import('@/pages/history'), meta: { title: 'nav.history' } },
  { path: '/studio', name: 'studio', component: () => import('@/pages/studio'), meta: { title: 'nav.studio', requiresAuth: true } },
  { path: '/admin', name: 'admin', component: () => import('@/pages/admin'), meta: { title: 'nav.admin', requiresAdmin: true } },
  { path: '/admin/users', name: 'admin-users', component: () => import('@/pages/admin-users'), meta: { title: 'adminPages.usersTitle', requiresAdmin: true } },
  { path: '/admin/invites', name: 'admin-invites', component: () => import('@/pages/admin-invites'), meta: { title: 'adminPages.invitesTitle', requiresAdmin: true } },
  { path: '/admin/groups', name: 'admin-groups', component: () => import('@/pages/admin-groups'), meta: { title: 'adminPages.groupsTitle', requiresAdmin: true } },
  { path: '/login', name: 'login', component: () => import('@/pages/login'), meta: { title: 'user.login', guestOnly: true } },
  { path: '/register', name: 'register', component: () => import('@/pages/register'), meta: { title: 'user.register', guestOnly: true } },
  // Player only, for other sites' iframes: no header or footer (meta.bare).
  { path: '/embed/live/:stream', name: 'embed-live', component: () => import('@/pages/embed-live'), props: true, meta: { bare: true } },
  { path: '/c/:name', name: 'channel', component: () => import('@/pages/channel'), props: true, meta: { title: 'channel.profile' } },
  { path: '/u/:username', name: 'profile', component: () => import('@/pages/profile'), props: true, meta: { title: 'user.profile' } },
  { path: '/settings/profile', name: 'profile-edit', component: () => import('@/pages/profile-edit'), meta: { title: 'user.editProfile', requiresAuth: true } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/pages/not-found'), meta: { title: 'errors.notFoundTitle' } },
]
