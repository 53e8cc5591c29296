import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { defineComponent } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { createAppI18n } from '@/shared/i18n'
import AppHeader from './AppHeader.vue'

const Page = defineComponent({ template: '<p>page</p>' })

/**
 * A router opened on /live (as the browser's address is when the app starts) whose first
 * navigation waits until release(), as the app's guard waits for the session.
 */
function heldRouter() {
  const history = createMemoryHistory()
  history.replace('/live')
  const router = createRouter({
    history,
    routes: ['/live', '/library', '/poster'].map((path) => ({ path, component: Page })),
  })
  let release = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  let first = true
  router.beforeEach(async () => {
    if (!first) return true
    first = false
    await held
    return true
  })
  return { router, release }
}

function mountHeader(router: ReturnType<typeof createRouter>) {
  return mount(AppHeader, { global: { plugins: [createAppI18n('en'), createPinia(), router] } })
}

const drawer = (wrapper: ReturnType<typeof mountHeader>) => wrapper.find('#mobile-nav')
const menuButton = (wrapper: ReturnType<typeof mountHeader>) => wrapper.get('button[aria-controls="mobile-nav"]')

describe('AppHeader drawer', () => {
  it('stays open when it was opened before the first page finished loading', async () => {
    const { router, release } = heldRouter()
    const wrapper = mountHeader(router) // installing the router starts the first navigation
    expect(router.currentRoute.value.fullPath).toBe('/') // vue-router's START_LOCATION
    await menuButton(wrapper).trigger('click')
    expect(drawer(wrapper).exists()).toBe(true)
    release()
    await router.isReady()
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/live')
    expect(drawer(wrapper).exists()).toBe(true)
    expect(menuButton(wrapper).attributes('aria-expanded')).toBe('true')
  })

  it('closes when the visitor goes to another page, by its links or otherwise', async () => {
    const { router, release } = heldRouter()
    release()
    const wrapper = mountHeader(router)
    await router.isReady()
    await menuButton(wrapper).trigger('click')
    await drawer(wrapper).get('[data-testid="nav-library"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/library')
    expect(drawer(wrapper).exists()).toBe(false)
    // Back, the logo, a link in the page: any navigation closes it.
    await menuButton(wrapper).trigger('click')
    expect(drawer(wrapper).exists()).toBe(true)
    await router.push('/poster')
    await flushPromises()
    expect(drawer(wrapper).exists()).toBe(false)
    expect(menuButton(wrapper).attributes('aria-label')).toBe('Open menu')
  })
})
