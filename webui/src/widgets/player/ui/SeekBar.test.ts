import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { globalMountOptions } from '@/shared/testing'
import SeekBar from './SeekBar.vue'
import type { ThumbnailCue } from '../model/thumbnails'

const cue: ThumbnailCue = { start: 0, end: 100, url: '/s/sheet.jpg', x: 160, y: 90, w: 160, h: 90 }

function mountBar(props: Record<string, unknown> = {}) {
  return mount(SeekBar, {
    props: { currentTime: 30, duration: 100, previewAt: () => cue, ...props },
    global: globalMountOptions(),
    attachTo: document.body,
  })
}

describe('SeekBar', () => {
  it('is a slider with the time in words', () => {
    const bar = mountBar().get('[data-testid="seek-bar"]')
    expect(bar.attributes('role')).toBe('slider')
    expect(bar.attributes('aria-valuenow')).toBe('30')
    expect(bar.attributes('aria-valuemax')).toBe('100')
    expect(bar.attributes('aria-valuetext')).toBe('0:30 of 1:40')
  })

  it('seeks with the keyboard and shows the preview while doing so', async () => {
    const wrapper = mountBar()
    const bar = wrapper.get('[data-testid="seek-bar"]')
    await bar.trigger('keydown', { key: 'ArrowRight' })
    await bar.trigger('keydown', { key: 'ArrowLeft' })
    await bar.trigger('keydown', { key: 'PageUp' })
    await bar.trigger('keydown', { key: 'Home' })
    await bar.trigger('keydown', { key: 'End' })
    expect(wrapper.emitted('seek')).toEqual([[35], [25], [90], [0], [100]])
    const image = wrapper.get('[data-testid="seek-preview-image"]')
    expect(image.attributes('style')).toContain('background-position: -160px -90px')
    expect(image.attributes('style')).toContain('/s/sheet.jpg')
  })

  it('the player does not also handle the keys it used (no double seek)', async () => {
    const wrapper = mountBar()
    let bubbled = 0
    document.body.addEventListener('keydown', () => (bubbled += 1))
    await wrapper.get('[data-testid="seek-bar"]').trigger('keydown', { key: 'ArrowRight' })
    await wrapper.get('[data-testid="seek-bar"]').trigger('keydown', { key: ' ' })
    expect(bubbled).toBe(1) // only the space
  })

  it('while the film is still being made, seeks stop short of what exists', async () => {
    const wrapper = mountBar({ available: 40 })
    expect(wrapper.find('[data-testid="seek-available"]').exists()).toBe(true)
    await wrapper.get('[data-testid="seek-bar"]').trigger('keydown', { key: 'End' })
    await wrapper.get('[data-testid="seek-bar"]').trigger('keydown', { key: 'PageUp' })
    expect(wrapper.emitted('seek')).toEqual([[39], [39]])
  })
})
