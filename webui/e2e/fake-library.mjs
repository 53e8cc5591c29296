// A stand-in for the library plugin's HTTP API (plugins/library/README.md), answered inside the
// browser with page.route: the catalogue, item edits, the event stream and tus uploads. For tests
// of the pages themselves (states a real transcode takes minutes to reach, failures on demand);
// media files are real and served by the real kek. The tests in library.mjs use the real plugin.
import { createHash } from 'node:crypto'

let idCounter = 0

export function fakeItem(patch = {}) {
  idCounter += 1
  const id = patch.id ?? `fake${idCounter.toString(36).padStart(12, '0')}`
  return {
    id,
    title: `Film ${idCounter}`,
    description: '',
    year: null,
    genres: [],
    status: 'ready',
    progress: 100,
    eta_s: null,
    error: '',
    hls: null,
    dash: null,
    poster: null,
    sprite_vtt: null,
    duration_s: 8,
    has_video: true,
    renditions: [{ name: '180p', width: 320, height: 180, bitrate_kbps: 70 }],
    audio: [],
    subtitles: [],
    owner: { id: 1, username: 'admin', display_name: 'Admin', avatar_url: null },
    visibility: 'public',
    allowed: [],
    created_at: Math.floor(Date.now() / 1000) - idCounter * 60,
    updated_at: Math.floor(Date.now() / 1000),
    source: { filename: `film-${idCounter}.mkv`, size_bytes: 1_234_567, container: 'matroska', video_codec: 'h264', audio_codec: 'aac', width: 320, height: 180, fps: 25 },
    origin: 'upload',
    can_edit: false,
    ...patch,
  }
}

const json = (route, status, body, headers = {}) =>
  route.fulfill({ status, contentType: 'application/json', headers, body: body === undefined ? '' : JSON.stringify(body) })

export async function installFakeLibrary(page, { items = [] } = {}) {
  const state = {
    items: [...items],
    requests: [],
    events: [],
    uploads: new Map(),
    /** While true, PATCH requests to uploads wait (as if the network were slow). */
    holdPatches: false,
    heldPatches: [],
    /** The bytes the first PATCH of an upload "gets through" before the hold: a part of the file. */
    partialBytes: null,
  }
  const find = (id) => state.items.find((i) => i.id === id)

  await page.route(/\/api\/library\/items(\/|\?|$)/, async (route) => {
    const request = route.request()
    const url = new URL(request.url())
    state.requests.push({ method: request.method(), url: url.pathname + url.search, body: request.postData() })
    const parts = url.pathname.replace(/^\/api\/library\/items\/?/, '').split('/').filter(Boolean)
    if (parts.length === 0 && request.method() === 'GET') {
      const q = (url.searchParams.get('q') ?? '').toLowerCase()
      const sort = url.searchParams.get('sort') ?? 'added'
      const order = url.searchParams.get('order') ?? (sort === 'added' ? 'desc' : 'asc')
      const limit = Number(url.searchParams.get('limit') ?? 24)
      const offset = Number(url.searchParams.get('cursor') ?? 0)
      let list = state.items.filter((i) => !q || [i.title, i.description, ...i.genres].join(' ').toLowerCase().includes(q))
      if (url.searchParams.get('owner') === 'me') list = list.filter((i) => i.can_edit)
      const genre = url.searchParams.get('genre')
      if (genre) list = list.filter((i) => i.genres.includes(genre))
      const key = { added: 'created_at', title: 'title', year: 'year', duration: 'duration_s' }[sort] ?? 'created_at'
      list.sort((a, b) => (a[key] > b[key] ? 1 : a[key] < b[key] ? -1 : 0) * (order === 'desc' ? -1 : 1))
      const page = list.slice(offset, offset + limit)
      return json(route, 200, { items: page, next_cursor: offset + limit < list.length ? String(offset + limit) : null })
    }
    const item = find(decodeURIComponent(parts[0] ?? ''))
    if (!item) return json(route, 404, { error: 'no such item' })
    if (parts.length === 1 && request.method() === 'GET') return json(route, 200, item)
    if (parts.length === 1 && request.method() === 'PATCH') {
      Object.assign(item, JSON.parse(request.postData() || '{}'))
      return json(route, 200, item)
    }
    if (parts.length === 1 && request.method() === 'DELETE') {
      state.items = state.items.filter((i) => i !== item)
      return route.fulfill({ status: 204, body: '' })
    }
    if (parts[1] === 'subtitles' && request.method() === 'POST') {
      // As the real one: url is null until the transcode has written the WebVTT file.
      const track = { id: item.subtitles.length + 1, language: url.searchParams.get('lang') ?? '', label: url.searchParams.get('label') ?? '', url: null }
      item.subtitles.push(track)
      return json(route, 201, track)
    }
    if (parts[1] === 'poster' && request.method() === 'POST') {
      if (!/^image\//.test(request.headers()['content-type'] ?? '')) return json(route, 415, { error: 'not an image' })
      item.poster = `/media/vod/${item.id}/poster.jpg?v=${Date.now()}`
      return json(route, 200, item)
    }
    if (parts[1] === 'retry' && request.method() === 'POST') {
      if (item.status !== 'failed') return json(route, 409, { error: 'nothing to retry: the item is not failed' })
      Object.assign(item, { status: 'queued', progress: 0, eta_s: null, error: '' })
      return json(route, 200, item)
    }
    if (parts[1] === 'cancel' && request.method() === 'POST') {
      if (item.status !== 'queued' && item.status !== 'processing') return json(route, 409, { error: 'no job of this item is queued or running' })
      // A queued job is cancelled at once; a running one stops a moment later, as the real
      // runner's pipeline does (the test then sets it failed and pushes library.failed).
      if (item.status === 'queued') Object.assign(item, { status: 'failed', eta_s: null, error: 'cancelled' })
      return json(route, 200, item)
    }
    return json(route, 405, { error: 'not in the fake' })
  })

  // Each connection gets the events pushed since the last one, then ends; EventSource comes back
  // after `retry` (as it does after any dropped connection).
  await page.route('**/api/events', async (route) => {
    const pending = state.events.splice(0)
    const body = ['retry: 500', '', ...pending.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n`), ''].join('\n')
    await route.fulfill({ status: 200, headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' }, body })
  })

  const tusHeaders = (upload) => ({ 'Tus-Resumable': '1.0.0', 'Upload-Offset': String(upload.received.length), 'Upload-Length': String(upload.length), 'Cache-Control': 'no-store' })
  await page.route(/\/api\/uploads\//, async (route) => {
    const request = route.request()
    const url = new URL(request.url())
    const headers = request.headers()
    state.requests.push({ method: request.method(), url: url.pathname, offset: headers['upload-offset'], size: request.postDataBuffer()?.length ?? 0 })
    if (request.method() === 'POST' && /\/api\/uploads\/?$/.test(url.pathname)) {
      const id = `up${state.uploads.size + 1}`
      const metadata = Object.fromEntries(
        (headers['upload-metadata'] ?? '').split(',').filter(Boolean).map((pair) => {
          const [k, v] = pair.trim().split(' ')
          return [k, v ? Buffer.from(v, 'base64').toString('utf8') : '']
        }),
      )
      state.uploads.set(id, { id, length: Number(headers['upload-length']), received: Buffer.alloc(0), metadata, csrf: headers['x-csrf-token'] ?? null, patches: 0 })
      return route.fulfill({ status: 201, headers: { 'Tus-Resumable': '1.0.0', Location: `/api/uploads/${id}` }, body: '' })
    }
    const upload = state.uploads.get(url.pathname.split('/').pop())
    if (!upload) return route.fulfill({ status: 404, headers: { 'Tus-Resumable': '1.0.0' }, body: '' })
    if (request.method() === 'HEAD') return route.fulfill({ status: 200, headers: tusHeaders(upload), body: '' })
    if (request.method() === 'PATCH') {
      if (Number(headers['upload-offset']) !== upload.received.length) return route.fulfill({ status: 409, headers: tusHeaders(upload), body: '{"error":"offset mismatch"}' })
      let body = request.postDataBuffer() ?? Buffer.alloc(0)
      upload.patches += 1
      if (state.holdPatches) {
        // Part of the body "arrives", then the connection hangs until the test lets it go (or
        // the page goes away, as on a reload).
        if (state.partialBytes != null) {
          upload.received = Buffer.concat([upload.received, body.subarray(0, state.partialBytes)])
        }
        await new Promise((release) => state.heldPatches.push(release))
        return route.abort('connectionreset').catch(() => undefined)
      }
      upload.received = Buffer.concat([upload.received, body])
      const extra = {}
      if (upload.received.length === upload.length) {
        const item = fakeItem({ title: upload.metadata.title || upload.metadata.filename, status: 'queued', progress: 0, can_edit: true, source: { filename: upload.metadata.filename, size_bytes: upload.length } })
        state.items.unshift(item)
        upload.itemId = item.id
        extra['Kek-Library-Item'] = item.id
      }
      return route.fulfill({ status: 204, headers: { ...tusHeaders(upload), ...extra }, body: '' })
    }
    if (request.method() === 'DELETE') {
      state.uploads.delete(upload.id)
      return route.fulfill({ status: 204, headers: { 'Tus-Resumable': '1.0.0' }, body: '' })
    }
    return route.fulfill({ status: 405, body: '' })
  })

  return {
    state,
    /** Sends an event to the browser; progress also changes the item, as on the real server. */
    push: (type, data) => {
      const item = find(data.id)
      if (item && type === 'library.progress') Object.assign(item, { status: data.status, progress: data.progress, eta_s: data.eta_s })
      state.events.push({ type, data })
    },
    item: find,
    releasePatches: () => state.heldPatches.splice(0).forEach((release) => release()),
    sha256: (id) => createHash('sha256').update(state.uploads.get(id).received).digest('hex'),
  }
}
