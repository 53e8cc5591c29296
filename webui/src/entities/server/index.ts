export { useServerStore, obsServerUrl } from './model/serverStore'
export { fetchHealth } from './api/healthApi'
