export { useServerStore, obsServerUrl } from './model/serverStore'
export { fetchHealth } from './api/healthApi'
export { fetchMetricsHistory } from './api/metricsApi'
