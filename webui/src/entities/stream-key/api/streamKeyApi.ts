import { api } from '@/shared/api'
import type { StreamKey, StreamKeyChange, StreamKeySecret } from '@/shared/api'

const base = '/api/me/stream-keys'

export const streamKeyApi = {
  list: () => api.get<StreamKey[]>(base),
  create: (name: string) => api.post<StreamKeySecret>(base, { name }),
  update: (id: StreamKey['id'], change: StreamKeyChange) =>
    api.patch<StreamKey>(`${base}/${encodeURIComponent(String(id))}`, change),
  regenerate: (id: StreamKey['id']) => api.post<StreamKeySecret>(`${base}/${encodeURIComponent(String(id))}/regenerate`),
  revoke: (id: StreamKey['id']) => api.delete<void>(`${base}/${encodeURIComponent(String(id))}`),
}
