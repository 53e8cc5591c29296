// The one HTTP client of the web UI. Every call to /api goes through here so that
// the CSRF token, error messages and "you are logged out" are handled the same everywhere.

import type { ApiErrorBody, SessionResponse } from './contract'
import { codeForStatus } from './errorCodes'

export const CSRF_HEADER = 'X-CSRF-Token'
const SESSION_PATH = '/api/auth/session'
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** An error the UI can show as is: `message` is the server's own words when it sent any. */
export class ApiError extends Error {
  constructor(
    /** HTTP status, or 0 when the server could not be reached at all. */
    readonly status: number,
    message: string,
    readonly path: string,
    /** True when the message came from the server's {"error": "..."} body. */
    readonly fromServer = false,
    /** The server's stable error code ("username_taken"), or the status's generic one. */
    readonly code: string = codeForStatus(status),
  ) {
    super(message)
    this.name = 'ApiError'
  }

  get isNetwork(): boolean {
    return this.status === 0
  }

  get isNotFound(): boolean {
    return this.status === 404
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface RequestOptions {
  /** A JSON-serialisable body, or a Blob sent raw with its own type. */
  body?: unknown
  signal?: AbortSignal
  /** Set false where a 401 is an answer, not a lost session (e.g. probing who is logged in). */
  redirectOn401?: boolean
}

export interface UploadOptions {
  method?: 'POST' | 'PUT'
  onProgress?: (fraction: number) => void
  signal?: AbortSignal
}

export interface ApiClientOptions {
  fetch?: typeof fetch
  /** Called on a 401 from a protected endpoint with the path to come back to after login. */
  onUnauthorized?: (next: string) => void
  /** Where the user is now; the default reads window.location. */
  currentPath?: () => string
  /** Builds the XMLHttpRequest used for uploads (tests replace it). */
  createXhr?: () => XMLHttpRequest
}

function defaultCurrentPath(): string {
  return window.location.pathname + window.location.search
}

function defaultOnUnauthorized(next: string): void {
  // A full navigation: works even before the router exists. The app replaces this with router.push.
  window.location.assign(`/login?next=${encodeURIComponent(next)}`)
}

const STATUS_MESSAGES: Record<number, string> = {
  400: 'The request was not accepted',
  401: 'Please log in',
  403: 'You are not allowed to do that',
  404: 'Not found',
  409: 'That conflicts with something that already exists',
  413: 'That is too large',
  415: 'That file type is not supported',
  429: 'Too many requests, please wait a moment',
  500: 'The server failed to answer',
  502: 'The server is unreachable',
  503: 'The server is busy or starting',
}

export function statusMessage(status: number): string {
  return STATUS_MESSAGES[status] ?? `The server answered with status ${status}`
}

/** Reads {"error": "..."} when the body has it; otherwise a plain sentence for the status. */
export function errorFromBody(status: number, path: string, text: string): ApiError {
  if (text) {
    try {
      const parsed = JSON.parse(text) as Partial<ApiErrorBody>
      if (parsed && typeof parsed.error === 'string' && parsed.error.trim()) {
        const code = typeof parsed.code === 'string' && parsed.code ? parsed.code : codeForStatus(status)
        return new ApiError(status, parsed.error, path, true, code)
      }
    } catch {
      // Not JSON (a proxy's HTML page, say): fall through to the generic sentence.
    }
  }
  return new ApiError(status, statusMessage(status), path)
}

function isCsrfRejection(err: ApiError): boolean {
  return err.status === 403 && (err.code === 'csrf_token_invalid' || /csrf/i.test(err.message))
}

export class ApiClient {
  private csrfToken: string | null = null
  private csrfLoad: Promise<string | null> | null = null
  private readonly fetchImpl: typeof fetch
  private readonly onUnauthorized: (next: string) => void
  private readonly currentPath: () => string
  private readonly createXhr: () => XMLHttpRequest

  constructor(options: ApiClientOptions = {}) {
    this.fetchImpl = options.fetch ?? ((...args) => globalThis.fetch(...args))
    this.onUnauthorized = options.onUnauthorized ?? defaultOnUnauthorized
    this.currentPath = options.currentPath ?? defaultCurrentPath
    this.createXhr = options.createXhr ?? (() => new XMLHttpRequest())
  }

  unauthorizedHandler: ((next: string) => void) | null = null

  /** The session endpoint and login/register hand out the token; whoever reads it tells the client. */
  setCsrfToken(token: string | null): void {
    this.csrfToken = token
  }

  getCsrfToken(): string | null {
    return this.csrfToken
  }

  /** The token for a request made outside this client (tus uploads), fetched when not known yet. */
  csrf(): Promise<string | null> {
    return this.ensureCsrfToken()
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options)
  }

  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body })
  }

  put<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body })
  }

  patch<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body })
  }

  delete<T = void>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, options)
  }

  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    try {
      return await this.send<T>(method, path, options)
    } catch (err) {
      // A token can expire with the session; fetch a fresh one and try once more.
      if (err instanceof ApiError && MUTATING.has(method) && isCsrfRejection(err)) {
        this.csrfToken = null
        return this.send<T>(method, path, options)
      }
      throw err
    }
  }

  /**
   * A last word while the page goes away (pagehide): navigator.sendBeacon, which outlives the
   * page but can set no header, so the CSRF token travels in the body (the server accepts it
   * there for a text/plain POST); a keepalive fetch where there is no beacon. Nothing to await:
   * true when the browser took it.
   */
  beacon(path: string, body: Record<string, unknown>): boolean {
    const token = this.csrfToken
    const payload = JSON.stringify(token ? { ...body, csrf_token: token } : body)
    const nav = globalThis.navigator as Navigator | undefined
    if (nav && typeof nav.sendBeacon === 'function') {
      try {
        if (nav.sendBeacon(path, new Blob([payload], { type: 'text/plain;charset=UTF-8' }))) return true
      } catch {
        // Refused (too large, not allowed): fall through to fetch.
      }
    }
    try {
      void this.fetchImpl(path, {
        method: 'POST',
        keepalive: true,
        credentials: 'same-origin',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8', ...(token ? { [CSRF_HEADER]: token } : {}) },
        body: payload,
      }).catch(() => undefined)
      return true
    } catch {
      return false
    }
  }

  /** Sends a file with upload progress, which fetch cannot report; same headers and errors as request(). */
  async upload<T>(path: string, file: Blob, options: UploadOptions = {}): Promise<T> {
    const method = options.method ?? 'POST'
    const token = await this.ensureCsrfToken()
    return new Promise<T>((resolve, reject) => {
      const xhr = this.createXhr()
      xhr.open(method, path)
      xhr.setRequestHeader('Accept', 'application/json')
      if (file.type) xhr.setRequestHeader('Content-Type', file.type)
      if (token) xhr.setRequestHeader(CSRF_HEADER, token)
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total)
      }
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          options.onProgress?.(1)
          resolve(parseJson<T>(xhr.responseText))
          return
        }
        const err = errorFromBody(xhr.status, path, xhr.responseText)
        this.handleUnauthorized(err, true)
        reject(err)
      }
      xhr.onerror = () => reject(new ApiError(0, 'The server could not be reached', path))
      xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'))
      options.signal?.addEventListener('abort', () => xhr.abort(), { once: true })
      xhr.send(file)
    })
  }

  private async send<T>(method: HttpMethod, path: string, options: RequestOptions): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    let body: BodyInit | undefined
    if (options.body instanceof Blob) {
      body = options.body
      if (options.body.type) headers['Content-Type'] = options.body.type
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body)
      headers['Content-Type'] = 'application/json'
    }
    if (MUTATING.has(method)) {
      const token = await this.ensureCsrfToken()
      if (token) headers[CSRF_HEADER] = token
    }

    let response: Response
    try {
      response = await this.fetchImpl(path, {
        method,
        headers,
        body,
        credentials: 'same-origin',
        signal: options.signal,
      })
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err
      throw new ApiError(0, 'The server could not be reached', path)
    }

    const text = await response.text()
    if (!response.ok) {
      const err = errorFromBody(response.status, path, text)
      this.handleUnauthorized(err, options.redirectOn401 !== false)
      throw err
    }
    return parseJson<T>(text)
  }

  private handleUnauthorized(err: ApiError, redirect: boolean): void {
    // Auth endpoints answer 401 for a wrong password: that is a form error, not a lost session.
    if (err.status !== 401 || !redirect || err.path.startsWith('/api/auth/')) return
    const next = this.currentPath()
    if (next.startsWith('/login')) return
    ;(this.unauthorizedHandler ?? this.onUnauthorized)(next)
  }

  /** The token comes from GET /api/auth/session; a server without accounts (404) needs none. */
  private ensureCsrfToken(): Promise<string | null> {
    if (this.csrfToken) return Promise.resolve(this.csrfToken)
    if (!this.csrfLoad) {
      this.csrfLoad = this.send<SessionResponse>('GET', SESSION_PATH, { redirectOn401: false })
        .then((session) => {
          this.csrfToken = session.csrf_token || null
          return this.csrfToken
        })
        .catch(() => null)
        .finally(() => {
          this.csrfLoad = null
        })
    }
    return this.csrfLoad
  }
}

function parseJson<T>(text: string): T {
  // 204 No Content and empty bodies become undefined rather than a parse error.
  if (!text) return undefined as T
  try {
    return JSON.parse(text) as T
  } catch {
    return text as unknown as T
  }
}

/** The app's single client. The app layer wires `unauthorizedHandler` to the router. */
export const api = new ApiClient()
