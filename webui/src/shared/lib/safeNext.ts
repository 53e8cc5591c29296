/**
 * The page to return to after login, from ?next=. Only same-site paths: an attacker's link
 * must not turn our login form into a redirect to their site ("//evil.example" included).
 */
export function safeNext(next: unknown, fallback: string): string {
  const value = Array.isArray(next) ? next[0] : next
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback
  if (value.startsWith('/login') || value.startsWith('/register')) return fallback
  return value
}
