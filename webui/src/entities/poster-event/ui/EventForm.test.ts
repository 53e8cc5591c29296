import { describe, expect, it } from 'vitest'
import { reactive } from 'vue'
import { mount } from '@vue/test-utils'
import { globalMountOptions } from '@/shared/testing'
import type { EventFieldValues, PosterVisibility } from '../model/types'
import EventForm from './EventForm.vue'

// A form as the poster's create and edit forms write it: an EventForm of a reactive draft, whose
// fields write what is typed into it; mode "edit" names the ids poster-edit-*.
function formWith(props: Record<string, unknown>, visibility: '' | PosterVisibility) {
  const draft = reactive<EventFieldValues<'' | PosterVisibility>>({
    title: 'Old title',
    startsLocal: '2030-01-02T19:30',
    durationMin: 60,
    description: '',
    visibility,
  })
  const wrapper = mount(EventForm, {
    props: { mode: 'edit', draft, error: '', disabled: false, titleLabel: 'Title', ...props },
    global: globalMountOptions(),
  })
  return { draft, wrapper }
}

describe('EventForm', () => {
  it('writes what is typed into the form’s values and submits', async () => {
    const { draft, wrapper } = formWith({ live: true }, 'public')
    await wrapper.get('[data-testid="poster-edit-title"]').setValue('Premiere night')
    await wrapper.get('[data-testid="poster-edit-time"]').setValue('2030-02-03T20:15')
    await wrapper.get('[data-testid="poster-edit-duration"]').setValue('90')
    await wrapper.get('[data-testid="poster-edit-description"]').setValue('Bring popcorn')
    await wrapper.get('[data-testid="poster-edit-visibility"]').setValue('unlisted')
    expect(draft).toEqual({ title: 'Premiere night', startsLocal: '2030-02-03T20:15', durationMin: 90, description: 'Bring popcorn', visibility: 'unlisted' })
    await wrapper.get('form').trigger('submit')
    expect(wrapper.emitted('submit')).toHaveLength(1)
  })

  it('asks a premiere no length, fixes a started event’s time, offers the source’s visibility only when asked', () => {
    const premiere = formWith({}, 'public').wrapper
    expect(premiere.find('[data-testid="poster-edit-duration"]').exists()).toBe(false)
    expect(premiere.get('[data-testid="poster-edit-time"]').attributes('disabled')).toBeUndefined()
    expect(premiere.findAll('[data-testid="poster-edit-visibility"] option').map((o) => o.attributes('value'))).toEqual(['public', 'unlisted', 'private'])

    const started = formWith({ started: true, titleRequired: true }, 'public').wrapper
    expect(started.get('[data-testid="poster-edit-time"]').attributes('disabled')).toBeDefined()
    expect(started.get('[data-testid="poster-edit-title"]').attributes('required')).toBeDefined()

    const created = formWith({ visibilityFromSource: true }, '').wrapper
    expect(created.findAll('[data-testid="poster-edit-visibility"] option').map((o) => o.attributes('value'))).toEqual(['', 'public', 'unlisted', 'private'])
    expect(created.get('[data-testid="poster-edit-title"]').attributes('required')).toBeUndefined()
  })

  it('is the create form or the edit form by its mode: heading, button, ids; what the form adds comes first', async () => {
    const draft = reactive<EventFieldValues<'' | PosterVisibility>>({ title: '', startsLocal: '2030-01-02T19:30', durationMin: 60, description: '', visibility: '' })
    const create = mount(EventForm, {
      props: { mode: 'create', draft, error: 'A time in the past', disabled: true, titleLabel: 'Title (optional)' },
      slots: { default: '<p data-testid="kind-choice">premiere or live</p>' },
      global: globalMountOptions(),
    })
    expect(create.get('[data-testid="poster-create"]').element.tagName).toBe('FORM')
    expect(create.get('h2').text()).toBe('Add to the poster')
    expect(create.get('[data-testid="poster-create-error"]').text()).toBe('A time in the past')
    expect(create.get('[data-testid="poster-create-submit"]').attributes('disabled')).toBeDefined()
    const order = create.findAll('[data-testid]').map((e) => e.attributes('data-testid'))
    expect(order.indexOf('kind-choice')).toBeLessThan(order.indexOf('poster-create-title'))
    await create.get('[data-testid="poster-create-title"]').setValue('Season finale')
    expect(draft.title).toBe('Season finale')

    const edit = formWith({}, 'public').wrapper
    expect(edit.get('h2').text()).toBe('Edit the event')
    expect(edit.get('[data-testid="poster-edit-save"]').text()).toBe('Save')
    expect(edit.find('[data-testid="poster-edit-error"]').exists()).toBe(false)
  })
})
