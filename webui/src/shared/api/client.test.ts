import { describe, expect, it, vi } from 'vitest'
import { ApiClient, ApiError, CSRF_HEADER } from './client'

type Handler = (url: string, init: RequestInit) => { status: number; body?: unknown }

function fakeFetch(handler: Handler) {
  return vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const { status, body } = handler(String(input), init)
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)
    return new Response(status === 204 ? null : text, { status })
  })
}

function readBlob(blob: Blob): Promise<string> {
  return new Promise((resolve) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result))
    reader.readAsText(blob)
  })
}

function headerOf(init: RequestInit, name: string): string | undefined {
  return (init.headers as Record<string, string> | undefined)?.[name]
}

describe('ApiClient', () => {
  it('sends JSON with same-origin credentials and parses the answer', async () => {
    const fetch = fakeFetch(() => ({ status: 200, body: { status: 'ok' } }))
    const client = new ApiClient({ fetch })
    await expect(client.get('/api/health')).resolves.toEqual({ status: 'ok' })
    const init = fetch.mock.calls[0]![1]!
    expect(init.credentials).toBe('same-origin')
    expect(headerOf(init, 'Accept')).toBe('application/json')
  })

  it('fetches the CSRF token from the session once and sends it on mutating requests only', async () => {
    const fetch = fakeFetch((url) =>
      url === '/api/auth/session' ? { status: 200, body: { user: null, csrf_token: 'tok-1' } } : { status: 200, body: {} },
    )
    const client = new ApiClient({ fetch })
    await client.get('/api/me')
    await client.post('/api/me/stream-keys', { name: 'a' })
    await client.patch('/api/me', { bio: 'b' })
    await client.delete('/api/me/stream-keys/1')

    const calls = fetch.mock.calls.map(([url, init]) => ({ url: String(url), method: init!.method, csrf: headerOf(init!, CSRF_HEADER) }))
    expect(calls.filter((c) => c.url === '/api/auth/session')).toHaveLength(1)
    expect(calls.find((c) => c.url === '/api/me' && c.method === 'GET')!.csrf).toBeUndefined()
    for (const method of ['POST', 'PATCH', 'DELETE']) {
      expect(calls.find((c) => c.method === method)!.csrf).toBe('tok-1')
    }
    const post = fetch.mock.calls.find(([, init]) => init!.method === 'POST')!
    expect(headerOf(post[1]!, 'Content-Type')).toBe('application/json')
    expect(post[1]!.body).toBe('{"name":"a"}')
  })

  it('uses a token handed over by login instead of asking the session', async () => {
    const fetch = fakeFetch(() => ({ status: 204 }))
    const client = new ApiClient({ fetch })
    client.setCsrfToken('from-login')
    await client.post('/api/auth/logout')
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(headerOf(fetch.mock.calls[0]![1]!, CSRF_HEADER)).toBe('from-login')
  })

  it('sends mutating requests without a token when the server has no auth plugin', async () => {
    const fetch = fakeFetch((url) => (url === '/api/auth/session' ? { status: 404, body: { error: 'no route' } } : { status: 200, body: {} }))
    const client = new ApiClient({ fetch })
    await client.post('/api/pipelines/demo/start')
    const start = fetch.mock.calls.find(([url]) => url === '/api/pipelines/demo/start')!
    expect(headerOf(start[1]!, CSRF_HEADER)).toBeUndefined()
  })

  it('turns {"error": "..."} into an ApiError with the server words', async () => {
    const client = new ApiClient({ fetch: fakeFetch(() => ({ status: 409, body: { error: 'username already taken' } })) })
    const err = await client.get('/api/x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).message).toBe('username already taken')
    expect((err as ApiError).status).toBe(409)
    expect((err as ApiError).fromServer).toBe(true)
  })

  it('gives a readable sentence when the error body is not JSON', async () => {
    const client = new ApiClient({ fetch: fakeFetch(() => ({ status: 502, body: '<html>Bad gateway</html>' })) })
    const err = (await client.get('/api/x').catch((e: unknown) => e)) as ApiError
    expect(err.message).toBe('The server is unreachable')
    expect(err.fromServer).toBe(false)
  })

  it('reports an unreachable server as status 0', async () => {
    const client = new ApiClient({ fetch: vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))) })
    const err = (await client.get('/api/x').catch((e: unknown) => e)) as ApiError
    expect(err.status).toBe(0)
    expect(err.isNetwork).toBe(true)
  })

  it('on 401 sends the user to login with the page to come back to', async () => {
    const onUnauthorized = vi.fn()
    const client = new ApiClient({
      fetch: fakeFetch(() => ({ status: 401, body: { error: 'login required' } })),
      onUnauthorized,
      currentPath: () => '/studio?tab=keys',
    })
    await expect(client.get('/api/me/stream-keys')).rejects.toBeInstanceOf(ApiError)
    expect(onUnauthorized).toHaveBeenCalledWith('/studio?tab=keys')
  })

  it('does not redirect on a wrong password (401 from the auth endpoints)', async () => {
    const onUnauthorized = vi.fn()
    const client = new ApiClient({
      fetch: fakeFetch((url) =>
        url === '/api/auth/session'
          ? { status: 200, body: { user: null, csrf_token: 't' } }
          : { status: 401, body: { error: 'wrong username or password' } },
      ),
      onUnauthorized,
      currentPath: () => '/login',
    })
    const err = (await client.post('/api/auth/login', { username: 'a', password: 'b' }).catch((e: unknown) => e)) as ApiError
    expect(err.message).toBe('wrong username or password')
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('refetches the token and retries once when the server rejects it', async () => {
    let sessionCalls = 0
    let posts = 0
    const fetch = fakeFetch((url, init) => {
      if (url === '/api/auth/session') return { status: 200, body: { user: null, csrf_token: `tok-${++sessionCalls}` } }
      posts += 1
      return headerOf(init, CSRF_HEADER) === 'tok-2' ? { status: 200, body: { ok: true } } : { status: 403, body: { error: 'bad CSRF token' } }
    })
    const client = new ApiClient({ fetch })
    await expect(client.post('/api/me/password', {})).resolves.toEqual({ ok: true })
    expect(posts).toBe(2)
  })

  it('uploads a file with XMLHttpRequest, reporting progress and sending type and token', async () => {
    const sent: { headers: Record<string, string>; body?: unknown; method?: string; url?: string } = { headers: {} }
    class FakeXhr {
      status = 0
      responseText = ''
      upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null }
      onload: (() => void) | null = null
      onerror: (() => void) | null = null
      onabort: (() => void) | null = null
      open(method: string, url: string) {
        sent.method = method
        sent.url = url
      }
      setRequestHeader(name: string, value: string) {
        sent.headers[name] = value
      }
      abort() {}
      send(body: unknown) {
        sent.body = body
        this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 } as ProgressEvent)
        this.status = 200
        this.responseText = JSON.stringify({ avatar_url: '/media/avatars/1.png' })
        this.onload?.()
      }
    }
    const client = new ApiClient({ fetch: fakeFetch(() => ({ status: 500 })), createXhr: () => new FakeXhr() as unknown as XMLHttpRequest })
    client.setCsrfToken('tok')
    const progress: number[] = []
    const file = new Blob(['png'], { type: 'image/png' })
    const result = await client.upload('/api/me/avatar', file, { onProgress: (f) => progress.push(f) })
    expect(result).toEqual({ avatar_url: '/media/avatars/1.png' })
    expect(sent.method).toBe('POST')
    expect(sent.headers['Content-Type']).toBe('image/png')
    expect(sent.headers[CSRF_HEADER]).toBe('tok')
    expect(sent.body).toBe(file)
    expect(progress).toEqual([0.5, 1])
  })

  it('says its last word by beacon with the CSRF token in a text/plain body, or by keepalive fetch without one', async () => {
    const beacons: { url: string; blob: Blob }[] = []
    vi.stubGlobal('navigator', { sendBeacon: (url: string, blob: Blob) => (beacons.push({ url, blob }), true) })
    const fetch = fakeFetch(() => ({ status: 202, body: {} }))
    const client = new ApiClient({ fetch })
    client.setCsrfToken('tok-9')
    expect(client.beacon('/api/me/history/abc', { position_s: 15, duration_s: 60, sent_at: 1 })).toBe(true)
    expect(beacons).toHaveLength(1)
    expect(beacons[0]!.url).toBe('/api/me/history/abc')
    expect(beacons[0]!.blob.type).toBe('text/plain;charset=utf-8')
    expect(JSON.parse(await readBlob(beacons[0]!.blob))).toEqual({ position_s: 15, duration_s: 60, sent_at: 1, csrf_token: 'tok-9' })
    expect(fetch).not.toHaveBeenCalled()

    vi.stubGlobal('navigator', { sendBeacon: () => false }) // the browser refused it
    expect(client.beacon('/api/me/history/abc', { position_s: 16 })).toBe(true)
    const init = fetch.mock.calls[0]![1]!
    expect(init.keepalive).toBe(true)
    expect(init.method).toBe('POST')
    expect(headerOf(init, CSRF_HEADER)).toBe('tok-9')
    vi.unstubAllGlobals()
  })
})
