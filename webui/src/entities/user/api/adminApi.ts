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
  /** Changes an account's role or disables/enables it; the account as it is now. */
  editUser: (id: User['id'], change: { role?: User['role']; disabled?: boolean }) =>
    api.patch<User>(`/api/admin/users/${encodeURIComponent(String(id))}`, change),
  /** Deletes the account (its name stays reserved). */
  deleteUser: (id: User['id']) => api.delete(`/api/admin/users/${encodeURIComponent(String(id))}`),
  createInvite: (validDays: number) => api.post<Invite>('/api/admin/invites', { valid_days: validDays }),
  groups: () => api.get<Group[]>('/api/admin/groups'),
  /** Creates the group, or replaces its members. */
  putGroup: (name: string, members: string[]) => api.post<Group>('/api/admin/groups', { name, members }),
}
