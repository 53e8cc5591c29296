export { viewClientId, viewsApi } from './api/viewsApi'
export type { ViewKind, ViewVerdict } from './api/viewsApi'
export { default as ViewCount } from './ui/ViewCount.vue'
