// The auth plugin's admin API (admins only): accounts, invite codes, groups for sharing.
import { api } from '@/shared/api'
import type { User } from '@/shared/api'

export interface Invite {
  code: string
  expires_at: string
}

export interface Group {
  name: string
  members: string[]
}

export const adminApi = {
  users: () => api.get<User[]>('/api/admin/users'),
  createInvite: (validDays: number) => api.post<Invite>('/api/admin/invites', { valid_days: validDays }),
  groups: () => api.get<Group[]>('/api/admin/groups'),
  /** Creates the group, or replaces its members. */
  putGroup: (name: string, members: string[]) => api.post<Group>('/api/admin/groups', { name, members }),
}
