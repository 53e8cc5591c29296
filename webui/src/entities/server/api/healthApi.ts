import { api } from '@/shared/api'
import type { Health } from '@/shared/api'

export const fetchHealth = () => api.get<Health>('/api/health')
