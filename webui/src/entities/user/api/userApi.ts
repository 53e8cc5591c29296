import { api } from '@/shared/api'
import type {
  AuthResponse,
  LoginRequest,
  PasswordChange,
  ProfileUpdate,
  PublicProfile,
  RegisterRequest,
  SessionResponse,
  User,
} from '@/shared/api'

export const userApi = {
  // Probing who is logged in: a 401 here means "nobody", never a redirect.
  session: () => api.get<SessionResponse>('/api/auth/session', { redirectOn401: false }),
  login: (body: LoginRequest) => api.post<AuthResponse>('/api/auth/login', body),
  register: (body: RegisterRequest) => api.post<AuthResponse>('/api/auth/register', body),
  logout: () => api.post<void>('/api/auth/logout'),
  profile: (username: string) => api.get<PublicProfile>(`/api/users/${encodeURIComponent(username)}`),
  me: () => api.get<User>('/api/me'),
  updateMe: (changes: ProfileUpdate) => api.patch<User>('/api/me', changes),
  changePassword: (body: PasswordChange) => api.post<void>('/api/me/password', body),
  uploadAvatar: (file: Blob, onProgress?: (fraction: number) => void, signal?: AbortSignal) =>
    api.upload<{ avatar_url: string }>('/api/me/avatar', file, { onProgress, signal }),
}
