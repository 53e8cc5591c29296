import { api } from '@/shared/api'
import type { PipelineDetail } from '@/shared/api'

const base = (id: string) => `/api/pipelines/${encodeURIComponent(id)}`

export const pipelineApi = {
  list: () => api.get<PipelineDetail[]>('/api/pipelines'),
  get: (id: string) => api.get<PipelineDetail>(base(id)),
  start: (id: string) => api.post<unknown>(`${base(id)}/start`),
  stop: (id: string) => api.post<unknown>(`${base(id)}/stop`),
  /** `version` busts the browser cache so a refreshed graph really is fetched again. */
  graphUrl: (id: string, version: number | string = Date.now()) => `${base(id)}/graph.svg?v=${version}`,
}

const RUNNING_STATES = new Set(['running', 'playing'])
export function isRunning(state: string): boolean {
  return RUNNING_STATES.has(state)
}
