import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { globalMountOptions } from '@/shared/testing'
import { newEntry } from '../model/queue'
import UploadRow from './UploadRow.vue'

describe('UploadRow', () => {
  it('shows percent, bytes, speed and time left while uploading, with pause and cancel', async () => {
    const entry = newEntry('a', 'film.mkv', 200_000_000, { state: 'uploading', sent: 50_000_000, speed: 2_500_000, eta: 60 })
    const wrapper = mount(UploadRow, { props: { entry }, global: globalMountOptions() })
    expect(wrapper.get('[data-testid="upload-progress"]').attributes('aria-valuenow')).toBe('25')
    expect(wrapper.get('[data-testid="upload-percent"]').text()).toBe('25 %')
    expect(wrapper.text()).toContain('50 MB of 200 MB')
    expect(wrapper.get('[data-testid="upload-speed"]').text()).toBe('2.5 MB/s')
    expect(wrapper.get('[data-testid="upload-eta"]').text()).toBe('1m left')
    await wrapper.get('[data-testid="upload-pause"]').trigger('click')
    expect(wrapper.emitted('pause')).toHaveLength(1)
    expect(wrapper.find('[data-testid="upload-resume"]').exists()).toBe(false)
  })

  it('paused: resume instead of pause, no speed; unfinished: says to pick the file again; errors are shown', () => {
    const paused = mount(UploadRow, { props: { entry: newEntry('a', 'f', 100, { state: 'paused', sent: 40 }) }, global: globalMountOptions() })
    expect(paused.find('[data-testid="upload-resume"]').exists()).toBe(true)
    expect(paused.find('[data-testid="upload-speed"]').exists()).toBe(false)
    const unfinished = mount(UploadRow, { props: { entry: newEntry('a', 'f', 100, { state: 'unfinished', sent: 40 }) }, global: globalMountOptions('ru') })
    expect(unfinished.get('[data-testid="upload-unfinished-hint"]').text()).toContain('тот же файл')
    const failed = mount(UploadRow, { props: { entry: newEntry('a', 'f', 100, { state: 'error', error: 'Upload is over your quota of 10 GB' }) }, global: globalMountOptions() })
    expect(failed.get('[data-testid="upload-error"]').text()).toBe('Upload is over your quota of 10 GB')
    expect(failed.get('[data-testid="upload-resume"]').text()).toBe('Try again')
  })
})
