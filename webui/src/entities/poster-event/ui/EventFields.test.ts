import { describe, expect, it } from 'vitest'
import { defineComponent, h, reactive } from 'vue'
import { mount } from '@vue/test-utils'
import { globalMountOptions } from '@/shared/testing'
import EventFields from './EventFields.vue'
import EventForm from './EventForm.vue'

// A form as the poster's create and edit forms write it: EventForm around EventFields, each
// value two-way bound (v-model:title, ...).
function formWith(props: Record<string, unknown>, visibility: string) {
  const draft = reactive<Record<string, string | number>>({
    title: 'Old title',
    startsLocal: '2030-01-02T19:30',
    durationMin: 60,
    description: '',
    visibility,
  })
  const models = () =>
    Object.fromEntries(
      Object.keys(draft).flatMap((key) => [
        [key, draft[key]],
        [`onUpdate:${key}`, (value: string | number) => (draft[key] = value)],
      ]),
    )
  const Host = defineComponent({
    render: () =>
      h(
        EventForm,
        { heading: 'Edit', error: '', submitLabel: 'Save', disabled: false, testid: 'f', errorTestid: 'f-error', submitTestid: 'f-save' },
        () => h(EventFields, { ...models(), testid: 'f', titleLabel: 'Title', ...props }),
      ),
  })
  return { draft, wrapper: mount(Host, { global: globalMountOptions() }) }
}

describe('EventFields in an EventForm', () => {
  it('writes what is typed into the form’s values and submits', async () => {
    const { draft, wrapper } = formWith({ live: true }, 'public')
    await wrapper.get('[data-testid="f-title"]').setValue('Premiere night')
    await wrapper.get('[data-testid="f-time"]').setValue('2030-02-03T20:15')
    await wrapper.get('[data-testid="f-duration"]').setValue('90')
    await wrapper.get('[data-testid="f-description"]').setValue('Bring popcorn')
    await wrapper.get('[data-testid="f-visibility"]').setValue('unlisted')
    expect(draft).toEqual({ title: 'Premiere night', startsLocal: '2030-02-03T20:15', durationMin: 90, description: 'Bring popcorn', visibility: 'unlisted' })
    await wrapper.get('form').trigger('submit')
    expect(wrapper.findComponent(EventForm).emitted('submit')).toHaveLength(1)
  })

  it('asks a premiere no length, fixes a started event’s time, offers the source’s visibility only when asked', () => {
    const premiere = formWith({}, 'public').wrapper
    expect(premiere.find('[data-testid="f-duration"]').exists()).toBe(false)
    expect(premiere.get('[data-testid="f-time"]').attributes('disabled')).toBeUndefined()
    expect(premiere.findAll('[data-testid="f-visibility"] option').map((o) => o.attributes('value'))).toEqual(['public', 'unlisted', 'private'])

    const started = formWith({ started: true, titleRequired: true }, 'public').wrapper
    expect(started.get('[data-testid="f-time"]').attributes('disabled')).toBeDefined()
    expect(started.get('[data-testid="f-title"]').attributes('required')).toBeDefined()

    const created = formWith({ visibilityFromSource: true }, '').wrapper
    expect(created.findAll('[data-testid="f-visibility"] option').map((o) => o.attributes('value'))).toEqual(['', 'public', 'unlisted', 'private'])
    expect(created.get('[data-testid="f-title"]').attributes('required')).toBeUndefined()
  })
})
