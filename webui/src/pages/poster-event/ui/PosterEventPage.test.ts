import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { globalMountOptions } from '@/shared/testing'
import type { PosterEvent } from '@/entities/poster-event'

// The event page against a stand-in server: posterApi answers when the test says, and the
// test pushes the server's news (/api/events) itself.
const server = vi.hoisted(() => ({
  event: null as unknown as PosterEvent,
  pendingUpdate: null as null | ((e: PosterEvent) => void),
  handlers: new Map<string, (data: unknown) => void>(),
}))

vi.mock('@/entities/poster-event', async (importOriginal) => {
  const original = await importOriginal<typeof import('@/entities/poster-event')>()
  return {
    ...original,
    posterApi: {
      ...original.posterApi,
      get: vi.fn(async () => ({ ...server.event })),
      update: vi.fn(() => new Promise<PosterEvent>((resolve) => (server.pendingUpdate = resolve))),
    },
  }
})
vi.mock('@/shared/api', async (importOriginal) => {
  const original = await importOriginal<typeof import('@/shared/api')>()
  return {
    ...original,
    serverEvents: {
      subscribe: (type: string, fn: (data: unknown) => void) => {
        server.handlers.set(type, fn)
        return () => server.handlers.delete(type)
      },
      onReconnect: () => () => undefined,
    },
  }
})
vi.mock('@/widgets/player', () => ({ VideoPlayer: { template: '<div />' } }))
vi.mock('vue-router', () => ({ useRouter: () => ({ push: vi.fn() }), useRoute: () => ({ fullPath: '/poster/ev1', path: '/poster/ev1', query: {}, params: {} }) }))

import PosterEventPage from './PosterEventPage.vue'

function liveEvent(patch: Partial<PosterEvent> = {}): PosterEvent {
  const starts = new Date(Date.now() + 30 * 24 * 3_600_000)
  return {
    id: 'ev1',
    kind: 'live',
    title: 'Morning talk',
    description: '',
    starts_at: starts.toISOString(),
    ends_at: new Date(starts.getTime() + 3_600_000).toISOString(),
    duration_s: 3600,
    status: 'upcoming',
    cancelled: false,
    cancel_reason: '',
    visibility: 'public',
    sequence: 0,
    page: '/poster/ev1',
    ics: '/api/poster/events/ev1.ics',
    poster: null,
    owner: { id: 2, username: 'owner' },
    item: null,
    stream: 'owner',
    playlist: null,
    watch_page: null,
    live_since: null,
    reminded: false,
    can_edit: true,
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
    ...patch,
  }
}

describe('PosterEventPage', () => {
  beforeEach(() => {
    server.event = liveEvent()
    server.pendingUpdate = null
    server.handlers.clear()
  })

  it('closes the edit form when the save lands after the server already pushed the change', async () => {
    const wrapper = mount(PosterEventPage, { props: { id: 'ev1' }, global: globalMountOptions(), attachTo: document.body })
    await flushPromises()
    await wrapper.get('[data-testid="poster-edit"]').trigger('click')
    await wrapper.get('[data-testid="poster-edit-title"]').setValue('Evening talk')
    await wrapper.get('[data-testid="poster-edit-form"]').trigger('submit')
    await flushPromises()
    expect(server.pendingUpdate).not.toBeNull()

    // The server has stored it and says so on /api/events before its PATCH answer arrives (a
    // busy server or network): the page reloads the event...
    server.event = liveEvent({ title: 'Evening talk', sequence: 1 })
    server.handlers.get('poster.changed')!({ id: 'ev1' })
    await flushPromises()
    expect(wrapper.get('h1').text()).toBe('Evening talk')
    // ...and then the answer lands: the form closes.
    server.pendingUpdate!({ ...server.event })
    await flushPromises()
    expect(wrapper.find('[data-testid="poster-edit-form"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('keeps what the owner is typing when news about the event arrives', async () => {
    const wrapper = mount(PosterEventPage, { props: { id: 'ev1' }, global: globalMountOptions(), attachTo: document.body })
    await flushPromises()
    await wrapper.get('[data-testid="poster-edit"]').trigger('click')
    await wrapper.get('[data-testid="poster-edit-title"]').setValue('Half typed')
    server.event = liveEvent({ status: 'waiting', sequence: 1 })
    server.handlers.get('poster.changed')!({ id: 'ev1' })
    await flushPromises()
    expect((wrapper.get('[data-testid="poster-edit-title"]').element as HTMLInputElement).value).toBe('Half typed')
    wrapper.unmount()
  })
})
