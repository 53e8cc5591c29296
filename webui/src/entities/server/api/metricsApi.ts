import { api } from '@/shared/api'
import type { MetricsHistory } from '@/shared/api'

export const fetchMetricsHistory = () => api.get<MetricsHistory>('/api/admin/metrics/history')
