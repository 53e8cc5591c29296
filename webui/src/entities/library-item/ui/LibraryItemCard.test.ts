import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { h } from 'vue'
import { globalMountOptions } from '@/shared/testing'
import type { LibraryItem } from '@/shared/api'
import LibraryItemCard from './LibraryItemCard.vue'

const base = {
  id: 'abc',
  title: 'Casablanca',
  year: 1942,
  genres: ['Drama', 'Romance'],
  status: 'ready',
  progress: 100,
  eta_s: null,
  poster: '/media/vod/abc/poster.jpg',
  duration_s: 6120,
  visibility: 'public',
} as unknown as LibraryItem

describe('LibraryItemCard', () => {
  it('shows poster, title, year, genres and length, and links to the item', () => {
    const wrapper = mount(LibraryItemCard, { props: { item: base }, global: globalMountOptions() })
    expect(wrapper.get('[data-testid="library-card-title"]').text()).toBe('Casablanca')
    expect(wrapper.text()).toContain('1942 · Drama, Romance')
    expect(wrapper.get('[data-testid="library-card-duration"]').text()).toBe('1h 42m')
    expect(wrapper.get('img').attributes('alt')).toBe('Poster of Casablanca')
    expect(wrapper.findComponent({ name: 'RouterLinkStub' }).props('to')).toBe('/library/abc')
  })

  it('while processing: how far along, no length badge; failed: says so', () => {
    const processing = mount(LibraryItemCard, {
      props: { item: { ...base, status: 'processing', progress: 43.7, eta_s: 200 } },
      global: globalMountOptions('ru'),
    })
    expect(processing.get('[data-testid="item-processing-label"]').text()).toBe('Ещё обрабатывается, 43 %')
    expect(processing.text()).toContain('осталось 3m 20s'.replace('3m 20s', '3 мин 20 с'))
    expect(processing.find('[data-testid="library-card-duration"]').exists()).toBe(false)
    const failed = mount(LibraryItemCard, { props: { item: { ...base, status: 'failed' } }, global: globalMountOptions() })
    expect(failed.text()).toContain('Failed')
  })

  it('has a slot on the poster for the watched part (History), and a placeholder without a poster', () => {
    const wrapper = mount(LibraryItemCard, {
      props: { item: { ...base, poster: null } },
      slots: { progress: () => h('span', { class: 'watched' }, '50%') },
      global: globalMountOptions(),
    })
    expect(wrapper.find('.watched').exists()).toBe(true)
    expect(wrapper.find('img').exists()).toBe(false)
    expect(wrapper.text()).toContain('C')
  })
})
