import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { globalMountOptions } from '@/shared/testing'
import QualityMenu from './QualityMenu.vue'
import { AUTO_LEVEL } from '../model/types'
import type { QualityLevel } from '../model/types'

// The engine reports levels in manifest order (often lowest first); the menu shows highest first.
const ladder: QualityLevel[] = [
  { index: 0, height: 360, width: 640, bitrate: 800_000, label: '360p' },
  { index: 1, height: 720, width: 1280, bitrate: 2_500_000, label: '720p' },
  { index: 2, height: 1080, width: 1920, bitrate: 5_000_000, label: '1080p' },
]

describe('QualityMenu', () => {
  it('lists Auto and every level of the ladder, highest first', async () => {
    const wrapper = mount(QualityMenu, { props: { levels: ladder, selected: AUTO_LEVEL, active: 1 }, global: globalMountOptions() })
    await wrapper.get('[data-testid="quality-button"]').trigger('click')
    const options = wrapper.findAll('[data-testid="quality-option"]').map((o) => o.text())
    expect(options).toEqual(['Auto (720p)', '1080p', '720p', '360p'])
    expect(wrapper.get('[data-testid="quality-menu"]').isVisible()).toBe(true)
  })

  it('marks the chosen level and emits its engine index', async () => {
    const wrapper = mount(QualityMenu, { props: { levels: ladder, selected: 0, active: 0 }, global: globalMountOptions() })
    expect(wrapper.get('[data-testid="quality-button"]').attributes('aria-label')).toBe('Quality: 360p')
    await wrapper.get('[data-testid="quality-button"]').trigger('click')
    const options = wrapper.findAll('[data-testid="quality-option"]')
    expect(options.find((o) => o.attributes('aria-checked') === 'true')!.text()).toBe('360p')
    await options[1]!.trigger('click') // 1080p
    expect(wrapper.emitted('select')).toEqual([[2]])
  })

  it('shows only Auto when the engine has no ladder (native HLS)', async () => {
    const wrapper = mount(QualityMenu, { props: { levels: [], selected: AUTO_LEVEL, active: null }, global: globalMountOptions('ru') })
    await wrapper.get('[data-testid="quality-button"]').trigger('click')
    expect(wrapper.findAll('[data-testid="quality-option"]').map((o) => o.text())).toEqual(['Авто'])
  })
})
