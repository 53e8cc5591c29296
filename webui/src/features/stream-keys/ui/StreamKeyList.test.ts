import { describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import type { StreamKey } from '@/shared/api'
import { globalMountOptions } from '@/shared/testing'
import StreamKeyList from './StreamKeyList.vue'

const keys: StreamKey[] = [
  { id: 1, name: 'Evening show', stream: 'alice-evening', visibility: 'public', created_at: '2026-03-01T18:00:00Z', last_used_at: null, key_hint: 'x9Q2' },
  { id: 2, name: 'Games', stream: 'alice-games', visibility: 'unlisted', created_at: '2026-03-02T18:00:00Z', last_used_at: '2026-03-03T20:00:00Z', key_hint: '…Zk7p' },
]

describe('StreamKeyList', () => {
  it('shows each key with its stream, key hint and live status', () => {
    const wrapper = mount(StreamKeyList, { props: { keys, liveStreams: ['alice-games'] }, global: globalMountOptions() })
    const items = wrapper.findAll('[data-testid="stream-key-item"]')
    expect(items).toHaveLength(2)
    expect(items[0]!.text()).toContain('Evening show')
    expect(items[0]!.text()).toContain('alice-evening')
    expect(items[0]!.text()).toContain('…x9Q2')
    expect(items[0]!.find('[data-testid="stream-offline"]').exists()).toBe(true)
    expect(items[0]!.text()).toContain('Never used')
    expect(items[1]!.find('[data-testid="stream-live"]').exists()).toBe(true)
    expect(items[1]!.text()).toContain('…Zk7p')
    expect(items[1]!.text()).not.toContain('……')
  })

  it('asks before revoking and emits only when confirmed', async () => {
    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true)
    const wrapper = mount(StreamKeyList, { props: { keys, liveStreams: [] }, global: globalMountOptions() })
    const revoke = wrapper.findAll('button').filter((b) => b.text() === 'Revoke')[0]!
    await revoke.trigger('click')
    expect(wrapper.emitted('revoke')).toBeUndefined()
    await revoke.trigger('click')
    expect(wrapper.emitted('revoke')).toEqual([[keys[0]]])
    expect(confirm.mock.calls[0]![0]).toContain('Evening show')
  })

  it('shows who may watch and whether it records, and emits the change', async () => {
    const wrapper = mount(StreamKeyList, {
      props: { keys: [{ ...keys[0]!, record: true }, keys[1]!], liveStreams: [] },
      global: globalMountOptions(),
    })
    const selects = wrapper.findAll<HTMLSelectElement>('[data-testid="stream-key-visibility"]')
    expect(selects[0]!.element.value).toBe('public')
    expect(selects[1]!.element.value).toBe('unlisted')
    const boxes = wrapper.findAll<HTMLInputElement>('[data-testid="stream-key-record"]')
    expect(boxes[0]!.element.checked).toBe(true)
    expect(boxes[1]!.element.checked).toBe(false)
    await selects[1]!.setValue('private')
    await boxes[1]!.setValue(true)
    expect(wrapper.emitted('update')).toEqual([
      [keys[1], { visibility: 'private' }],
      [keys[1], { record: true }],
    ])
  })

  it('emits regenerate after confirmation', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true)
    const wrapper = mount(StreamKeyList, { props: { keys, liveStreams: [] }, global: globalMountOptions() })
    await wrapper.findAll('button').filter((b) => b.text() === 'Regenerate')[1]!.trigger('click')
    expect(wrapper.emitted('regenerate')).toEqual([[keys[1]]])
  })
})
