import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { globalMountOptions } from '@/shared/testing'
import LiveStreamCard from './LiveStreamCard.vue'

const base = { to: '/live/show', title: 'show', viewers: 2 }

describe('LiveStreamCard', () => {
  it('shows the thumbnail, lazily, with alt text', () => {
    const wrapper = mount(LiveStreamCard, {
      props: { ...base, thumbnail: '/media/live/show/thumb.jpg?v=100' },
      global: globalMountOptions(),
    })
    const img = wrapper.get('[data-testid="live-card-thumbnail"]')
    expect(img.attributes('src')).toBe('/media/live/show/thumb.jpg?v=100')
    expect(img.attributes('alt')).toBe('Preview of show')
    expect(img.attributes('loading')).toBe('lazy')
    expect(wrapper.find('[data-testid="live-card-placeholder"]').exists()).toBe(false)
  })

  it('shows the placeholder without a thumbnail', () => {
    const wrapper = mount(LiveStreamCard, { props: { ...base, thumbnail: null }, global: globalMountOptions() })
    expect(wrapper.find('[data-testid="live-card-thumbnail"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="live-card-placeholder"]').text()).toContain('No preview yet')
  })

  it('falls back to the placeholder when the picture fails, and tries the next picture', async () => {
    const wrapper = mount(LiveStreamCard, {
      props: { ...base, thumbnail: '/media/live/show/thumb.jpg?v=100' },
      global: globalMountOptions(),
    })
    await wrapper.get('[data-testid="live-card-thumbnail"]').trigger('error')
    expect(wrapper.find('[data-testid="live-card-thumbnail"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="live-card-placeholder"]').text()).toContain('No preview yet')
    // The next poll of /api/live brings a new picture's URL.
    await wrapper.setProps({ thumbnail: '/media/live/show/thumb.jpg?v=110' })
    expect(wrapper.get('[data-testid="live-card-thumbnail"]').attributes('src')).toBe('/media/live/show/thumb.jpg?v=110')
  })

  it('draws colour bars for the test pattern, never a thumbnail', () => {
    const wrapper = mount(LiveStreamCard, {
      props: { ...base, thumbnail: '/x.jpg', testPattern: true },
      global: globalMountOptions(),
    })
    expect(wrapper.find('.bars').exists()).toBe(true)
    expect(wrapper.find('[data-testid="live-card-thumbnail"]').exists()).toBe(false)
  })
})
