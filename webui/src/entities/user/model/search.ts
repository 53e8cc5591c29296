// Finding an account by what an admin types: any part of the user name, display name or email,
// ignoring case and accents.
import type { User } from '@/shared/api'

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()

export function matchesUser(user: Pick<User, 'username' | 'display_name' | 'email'>, query: string): boolean {
  const q = fold(query.trim())
  if (!q) return true
  return [user.username, user.display_name, user.email].some((field) => fold(field ?? '').includes(q))
}
