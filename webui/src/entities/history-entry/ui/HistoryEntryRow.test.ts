import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { globalMountOptions } from '@/shared/testing'
import type { FilmHistoryEntry } from '@/shared/api'
import HistoryEntryRow from './HistoryEntryRow.vue'

const entry: FilmHistoryEntry = {
  id: 7,
  kind: 'film',
  item_id: 'abc',
  title: 'Casablanca',
  poster: '/media/vod/abc/poster.jpg',
  position_s: 3900,
  duration_s: 6120,
  remaining_s: 2220,
  progress: 0.637,
  watched: false,
  resume_s: 3900,
  in_progress: true,
  sent_at: 1,
  started_at: '2025-06-15T10:00:00.000Z',
  updated_at: '2025-06-15T10:00:00.000Z',
}

describe('HistoryEntryRow', () => {
  it('shows poster, title, a progress bar and the time left', () => {
    const wrapper = mount(HistoryEntryRow, { props: { entry }, global: globalMountOptions() })
    expect(wrapper.get('[data-testid="history-entry-title"]').text()).toBe('Casablanca')
    expect(wrapper.get('[data-testid="history-entry-status"]').text()).toBe('37m left')
    const bar = wrapper.get('[data-testid="watch-progress"]')
    expect(bar.attributes('aria-valuenow')).toBe('64')
    expect(bar.attributes('aria-label')).toBe('Watched 64 %')
    expect(wrapper.get('img').attributes('src')).toBe(entry.poster)
  })

  it('in Russian, and a live viewing with its owner and how long', () => {
    const live = { id: 8, kind: 'live' as const, stream: 'cam', app: 'live', owner: 'anna', watched_s: 1500, started_at: entry.started_at, updated_at: entry.updated_at }
    const wrapper = mount(HistoryEntryRow, { props: { entry: live }, global: globalMountOptions('ru') })
    expect(wrapper.text()).toContain('трансляция anna')
    expect(wrapper.get('[data-testid="history-entry-status"]').text()).toBe('смотрели 25 мин')
    expect(wrapper.find('[data-testid="watch-progress"]').exists()).toBe(false)
  })
})
