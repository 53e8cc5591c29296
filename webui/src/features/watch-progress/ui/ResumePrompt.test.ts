import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { globalMountOptions } from '@/shared/testing'
import ResumePrompt from './ResumePrompt.vue'

describe('ResumePrompt', () => {
  it('offers to resume from the stored position or to start over', async () => {
    const wrapper = mount(ResumePrompt, { props: { resumeS: 4354, durationS: 7200 }, global: globalMountOptions() })
    expect(wrapper.get('[data-testid="resume-button"]').text()).toBe('Resume from 1:12:34')
    await wrapper.get('[data-testid="resume-button"]').trigger('click')
    expect(wrapper.emitted('resume')).toEqual([[4354]])
    await wrapper.get('[data-testid="start-over-button"]').trigger('click')
    expect(wrapper.emitted('startOver')).toHaveLength(1)
  })
})
