// The server's account rules (plugins/auth users.cpp, passwords.cpp), checked before sending so
// that a form can say why its button is disabled. Each returns the API error code the server
// would answer with, as an i18n key (apiErrors.<code>), so the form and the server use the same
// words; an empty field gives forms.<what>.

export const MIN_PASSWORD = 8
export const MAX_PASSWORD = 1024

export type FieldProblem = string | null

export function usernameProblem(name: string): FieldProblem {
  const n = name.trim()
  if (!n) return 'forms.needUsername'
  if (n.length < 3 || n.length > 32) return 'apiErrors.username_length'
  if (!/^[A-Za-z0-9]/.test(n)) return 'apiErrors.username_start'
  if (!/^[A-Za-z0-9_.-]+$/.test(n)) return 'apiErrors.username_characters'
  return null
}

export function emailProblem(email: string): FieldProblem {
  const e = email.trim()
  if (!e) return 'apiErrors.email_required'
  // The server's check: one '@' with text on both sides, no spaces.
  if (!/^[^@\s]+@[^@\s]+$/.test(e)) return 'apiErrors.email_invalid'
  return null
}

export function passwordProblem(password: string, username = ''): FieldProblem {
  if (!password) return 'forms.needPassword'
  if (password.length < MIN_PASSWORD) return 'apiErrors.password_too_short'
  if (password.length > MAX_PASSWORD) return 'apiErrors.password_too_long'
  if (username && password.toLowerCase() === username.trim().toLowerCase()) return 'apiErrors.password_is_username'
  return null
}

/** The first problem of a form, or null when it may be sent. */
export function firstProblem(...problems: FieldProblem[]): FieldProblem {
  return problems.find((p) => p !== null) ?? null
}
