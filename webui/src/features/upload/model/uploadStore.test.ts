import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

// A stand-in for tus-js-client: records the uploads the store makes and lets the test drive them.
const tusState = vi.hoisted(() => ({
  uploads: [] as Array<{
    file: File
    options: Record<string, any>
    url: string | null
    started: number
    aborted: Array<boolean | undefined>
    previous: Array<Record<string, unknown>>
    resumedFrom: Record<string, unknown> | null
  }>,
  stored: [] as Array<Record<string, unknown>>,
  removed: [] as string[],
}))

vi.mock('tus-js-client', () => {
  class Upload {
    url: string | null = null
    started = 0
    aborted: Array<boolean | undefined> = []
    previous: Array<Record<string, unknown>> = []
    resumedFrom: Record<string, unknown> | null = null
    constructor(
      public file: File,
      public options: Record<string, any>,
    ) {
      tusState.uploads.push(this)
    }
    start() {
      this.started += 1
    }
    async abort(terminate?: boolean) {
      this.aborted.push(terminate)
    }
    async findPreviousUploads() {
      return this.previous
    }
    resumeFromPreviousUpload(p: Record<string, unknown>) {
      this.resumedFrom = p
    }
    static async terminate() {}
  }
  return {
    Upload,
    defaultOptions: {
      urlStorage: {
        findAllUploads: async () => tusState.stored,
        removeUpload: async (key: string) => void tusState.removed.push(key),
      },
    },
  }
})

vi.mock('@/shared/api', async (importOriginal) => {
  const real = await importOriginal<typeof import('@/shared/api')>()
  return { ...real, api: { csrf: async () => 'token-1' } }
})

import { tusErrorText, useUploadStore } from './uploadStore'

const file = (name: string, size = 1000) => new File([new Uint8Array(size)], name, { type: 'video/mp4' })
const settle = () => new Promise((r) => setTimeout(r, 0))

describe('upload store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    tusState.uploads.length = 0
    tusState.stored.length = 0
    tusState.removed.length = 0
  })

  it('uploads one file at a time with the CSRF token, the name and a title, then the next', async () => {
    const store = useUploadStore()
    store.add([file('First.Film.mkv'), file('second.mp4'), new File(['x'], 'notes.txt', { type: 'text/plain' })])
    await settle()
    expect(store.rejected).toEqual(['notes.txt'])
    expect(store.entries.map((e) => e.state)).toEqual(['uploading', 'waiting'])
    const [first, second] = tusState.uploads
    expect(first!.started).toBe(1)
    expect(second!.started).toBe(0)
    expect(first!.options.endpoint).toBe('/api/uploads/')
    expect(first!.options.headers).toEqual({ 'X-CSRF-Token': 'token-1' })
    expect(first!.options.metadata).toMatchObject({ filename: 'First.Film.mkv', title: 'First Film' })

    first!.options.onProgress(400, 1000)
    expect(store.entries[0]!.sent).toBe(400)
    first!.options.onAfterResponse({}, { getHeader: (h: string) => (h === 'Kek-Library-Item' ? 'item42' : undefined) })
    first!.options.onSuccess({})
    await settle()
    expect(store.entries[0]).toMatchObject({ state: 'done', itemId: 'item42' })
    expect(store.completedItemIds).toEqual(['item42'])
    expect(second!.started).toBe(1)
  })

  it('resumes a file the browser remembers from where the server has it', async () => {
    const store = useUploadStore()
    store.add([file('film.mkv')])
    const upload = tusState.uploads[0]!
    upload.previous = [
      { creationTime: '2026-01-01T00:00:00Z', uploadUrl: '/api/uploads/old' },
      { creationTime: '2026-02-01T00:00:00Z', uploadUrl: '/api/uploads/new' },
    ]
    await settle()
    expect(upload.resumedFrom).toMatchObject({ uploadUrl: '/api/uploads/new' })
  })

  it('pauses (abort without deleting) and resumes; a refusal is shown in the server’s words and not retried', async () => {
    const store = useUploadStore()
    store.add([file('a.mkv'), file('b.mkv')])
    await settle()
    const [a, b] = tusState.uploads
    store.pause(store.entries[0]!.key)
    await settle()
    expect(a!.aborted).toEqual([undefined])
    expect(store.entries[0]!.state).toBe('paused')
    expect(b!.started).toBe(1) // the next one goes meanwhile
    const refusal = { originalResponse: { getStatus: () => 413, getBody: () => '{"error":"over your quota of 10 GB"}' } }
    expect(b!.options.onShouldRetry(refusal, 0)).toBe(false)
    expect(b!.options.onShouldRetry({ originalResponse: { getStatus: () => 423 } }, 0)).toBe(true)
    b!.options.onError(refusal)
    await settle()
    expect(store.entries[1]).toMatchObject({ state: 'error', error: 'over your quota of 10 GB' })
    store.resume(store.entries[0]!.key)
    await settle()
    expect(a!.started).toBe(2)
  })

  it('after a reload lists unfinished uploads with the server’s offset, forgetting ones the server lost', async () => {
    tusState.stored.push(
      { uploadUrl: '/api/uploads/u1', size: 1000, metadata: { filename: 'film.mkv' }, urlStorageKey: 'k1', creationTime: '' },
      { uploadUrl: '/api/uploads/gone', size: 50, metadata: { filename: 'old.mkv' }, urlStorageKey: 'k2', creationTime: '' },
    )
    vi.stubGlobal('fetch', async (url: string) =>
      url.endsWith('/gone') ? new Response(null, { status: 404 }) : new Response(null, { status: 200, headers: { 'Upload-Offset': '250' } }),
    )
    const store = useUploadStore()
    await store.restore()
    expect(store.entries).toHaveLength(1)
    expect(store.entries[0]).toMatchObject({ name: 'film.mkv', state: 'unfinished', sent: 250, size: 1000 })
    expect(tusState.removed).toEqual(['k2'])
    // Picking the same file again continues in the same row.
    store.add([file('film.mkv', 1000)])
    await settle()
    expect(store.entries).toHaveLength(1)
    expect(store.entries[0]!.state).toBe('uploading')
    vi.unstubAllGlobals()
  })

  it('words errors for people', () => {
    expect(tusErrorText({ originalResponse: { getStatus: () => 403, getBody: () => '' } })).toBe('You are not allowed to do that')
    expect(tusErrorText(new Error('tus: failed to upload chunk, caused by xhr error'))).toBe('The server could not be reached')
  })
})
