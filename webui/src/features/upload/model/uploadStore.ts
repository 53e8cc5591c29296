// The browser's uploads to the library, over tus (tus-js-client): resumable, several files in a
// queue, pause/resume, speed and time left. A store, so uploads go on while you browse other
// pages of the app. The browser remembers each unfinished upload (tus-js-client's fingerprint
// storage), so after a reload the panel lists it and picking the same file again resumes it
// where it stopped (findPreviousUploads) instead of sending it all again.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as tus from 'tus-js-client'
import { api, CSRF_HEADER, statusMessage } from '@/shared/api'
import { SpeedMeter } from './speed'
import { MAX_ACTIVE, isActive, looksLikeMedia, matchUnfinished, newEntry, nextToStart, titleFromFilename } from './queue'
import type { UploadEntry } from './queue'

export const UPLOAD_ENDPOINT = '/api/uploads/'
/** One PATCH per 64 MiB: a dropped connection costs at most that, and proxies pass it. */
const CHUNK_BYTES = 64 * 1024 * 1024
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10000, 20000]
const ITEM_HEADER = 'Kek-Library-Item'

/** The server's {"error": "..."} from a tus failure, or a plain sentence for its status. */
export function tusErrorText(err: unknown): string {
  const detailed = err as Partial<tus.DetailedError>
  const response = detailed?.originalResponse
  if (response) {
    const body = response.getBody?.() ?? ''
    try {
      const parsed = JSON.parse(body) as { error?: unknown }
      if (typeof parsed.error === 'string' && parsed.error.trim()) return parsed.error
    } catch {
      // not JSON
    }
    return statusMessage(response.getStatus())
  }
  if (detailed?.causingError || /network|xhr|failed to fetch/i.test(String((err as Error)?.message))) return 'The server could not be reached'
  return err instanceof Error ? err.message : String(err)
}

let counter = 0
const nextKey = () => `u${Date.now().toString(36)}${(counter++).toString(36)}`

export const useUploadStore = defineStore('uploads', () => {
  const entries = ref<UploadEntry[]>([])
  const uploads = new Map<string, tus.Upload>()
  const meters = new Map<string, SpeedMeter>()
  const rejected = ref<string[]>([])
  let restored = false

  const active = computed(() => entries.value.filter(isActive))
  const completedItemIds = computed(() => entries.value.filter((e) => e.itemId).map((e) => e.itemId!))

  function patch(key: string, change: Partial<UploadEntry>) {
    entries.value = entries.value.map((e) => (e.key === key ? { ...e, ...change } : e))
  }
  const find = (key: string) => entries.value.find((e) => e.key === key)

  function pump() {
    for (const entry of nextToStart(entries.value, MAX_ACTIVE)) void begin(entry.key)
  }

  async function begin(key: string) {
    const upload = uploads.get(key)
    if (!upload) return
    patch(key, { state: 'uploading', error: '' })
    meters.get(key)?.reset()
    // A state change needs the CSRF token, like every other request.
    const token = await api.csrf()
    if (find(key)?.state !== 'uploading') return
    upload.options.headers = token ? { [CSRF_HEADER]: token } : {}
    if (!upload.url) {
      try {
        const previous = await upload.findPreviousUploads()
        const latest = previous.sort((a, b) => b.creationTime.localeCompare(a.creationTime))[0]
        if (latest) upload.resumeFromPreviousUpload(latest)
      } catch {
        // Nothing remembered (private mode): start from zero.
      }
    }
    upload.start()
  }

  function createUpload(key: string, file: File): tus.Upload {
    const meter = new SpeedMeter()
    meters.set(key, meter)
    const upload = new tus.Upload(file, {
      endpoint: UPLOAD_ENDPOINT,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      metadata: { filename: file.name, filetype: file.type || 'application/octet-stream', title: titleFromFilename(file.name) },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onUploadUrlAvailable() {
        patch(key, { uploadUrl: upload.url })
      },
      onProgress(sent, total) {
        meter.add(sent, performance.now())
        const rate = meter.rate()
        patch(key, { sent, size: total, speed: rate, eta: meter.eta(total) })
      },
      onAfterResponse(_req, res) {
        const item = res.getHeader(ITEM_HEADER)
        if (item) patch(key, { itemId: item })
      },
      onSuccess() {
        patch(key, { state: 'done', sent: file.size, speed: null, eta: null })
        uploads.delete(key)
        pump()
      },
      onError(err) {
        patch(key, { state: 'error', error: tusErrorText(err), speed: null, eta: null })
        pump()
      },
      onShouldRetry(err, attempt) {
        const status = err.originalResponse?.getStatus() ?? 0
        // 409 (offset moved) and 423 (the previous PATCH is still closing) settle by themselves;
        // other refusals (quota, size, rights) will not change by asking again.
        if (status >= 400 && status < 500 && status !== 409 && status !== 423) return false
        return attempt < RETRY_DELAYS_MS.length
      },
    })
    return upload
  }

  /** Adds files to the queue (or resumes the unfinished upload each one matches). */
  function add(files: Iterable<File>) {
    const refused: string[] = []
    for (const file of files) {
      if (!looksLikeMedia(file)) {
        refused.push(file.name)
        continue
      }
      const unfinished = matchUnfinished(entries.value, file.name, file.size)
      const key = unfinished?.key ?? nextKey()
      if (!unfinished) entries.value = [...entries.value, newEntry(key, file.name, file.size)]
      else patch(key, { state: 'waiting', error: '' })
      uploads.set(key, createUpload(key, file))
    }
    rejected.value = refused
    pump()
  }

  function pause(key: string) {
    const upload = uploads.get(key)
    const entry = find(key)
    if (!upload || !entry || !isActive(entry)) return
    void upload.abort()
    patch(key, { state: 'paused', speed: null, eta: null })
    pump()
  }

  function resume(key: string) {
    const entry = find(key)
    if (!entry || !uploads.has(key) || (entry.state !== 'paused' && entry.state !== 'error')) return
    patch(key, { state: 'waiting', error: '' })
    pump()
  }

  /** Stops it and deletes what the server has of it (tus termination). */
  async function cancel(key: string) {
    const entry = find(key)
    const upload = uploads.get(key)
    uploads.delete(key)
    entries.value = entries.value.filter((e) => e.key !== key)
    try {
      if (upload) await upload.abort(Boolean(upload.url))
      else if (entry?.uploadUrl) await tus.Upload.terminate(entry.uploadUrl, { headers: await csrfHeaders() })
    } catch {
      // Already gone on the server (expired): nothing to delete.
    }
    if (entry?.storageKey) await tus.defaultOptions.urlStorage.removeUpload(entry.storageKey).catch(() => undefined)
    pump()
  }

  /** Finished rows go; the rest stay. */
  function clearFinished() {
    entries.value = entries.value.filter((e) => e.state !== 'done')
  }

  async function csrfHeaders(): Promise<Record<string, string>> {
    const token = await api.csrf()
    return token ? { [CSRF_HEADER]: token } : {}
  }

  /**
   * After a reload: the uploads this browser started and did not finish, with how far the server
   * has them (HEAD). Ones the server no longer knows (expired, finished) are forgotten.
   */
  async function restore() {
    if (restored) return
    restored = true
    let previous: tus.PreviousUpload[] = []
    try {
      previous = await tus.defaultOptions.urlStorage.findAllUploads()
    } catch {
      return
    }
    for (const p of previous) {
      if (!p.uploadUrl || !new URL(p.uploadUrl, location.href).pathname.startsWith(UPLOAD_ENDPOINT)) continue
      const name = p.metadata?.filename ?? '?'
      const size = p.size ?? 0
      if (entries.value.some((e) => e.uploadUrl === p.uploadUrl || (e.name === name && e.size === size))) continue
      let sent = 0
      try {
        const response = await fetch(p.uploadUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' }, credentials: 'same-origin', cache: 'no-store' })
        if (response.status === 404 || response.status === 410 || response.status === 403) {
          await tus.defaultOptions.urlStorage.removeUpload(p.urlStorageKey).catch(() => undefined)
          continue
        }
        sent = Number(response.headers.get('Upload-Offset') ?? 0) || 0
      } catch {
        // Server unreachable now: still list it, at an unknown offset.
      }
      entries.value = [
        ...entries.value,
        newEntry(nextKey(), name, size, { state: 'unfinished', sent, uploadUrl: p.uploadUrl, storageKey: p.urlStorageKey }),
      ]
    }
  }

  return { entries, active, rejected, completedItemIds, add, pause, resume, cancel, clearFinished, restore }
})
