// What the server told us about itself: version, plugins, pipelines and where to publish.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Health } from '@/shared/api'
import { fetchHealth } from '../api/healthApi'

/**
 * The RTMP URL exactly as OBS wants it in "Server": rtmp://host:port/live.
 * The server may report a wildcard or loopback bind address; a viewer on another machine
 * needs the host they reached the web UI by.
 */
export function obsServerUrl(rtmpEndpoint: string | undefined, pageHost: string): string | null {
  if (!rtmpEndpoint) return null
  let url: URL
  try {
    url = new URL(rtmpEndpoint.includes('://') ? rtmpEndpoint : `rtmp://${rtmpEndpoint}`)
  } catch {
    return null
  }
  const wildcard = ['0.0.0.0', '[::]', '::'].includes(url.hostname)
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  const pageIsLocal = ['127.0.0.1', 'localhost', '[::1]', ''].includes(pageHost)
  const host = wildcard || (loopback && !pageIsLocal) ? pageHost : url.hostname
  const port = url.port || '1935'
  const app = url.pathname.replace(/^\/+|\/+$/g, '') || 'live'
  return `rtmp://${host}:${port}/${app}`
}

/** What Studio shows for OBS's "Server": the configured public URL when there is one. */
export function publishServerUrl(endpoints: { rtmp?: string; rtmp_public?: string } | undefined, pageHost: string): string | null {
  if (endpoints?.rtmp_public) return endpoints.rtmp_public
  return obsServerUrl(endpoints?.rtmp, pageHost)
}

export const useServerStore = defineStore('server', () => {
  const health = ref<Health | null>(null)
  const error = ref<unknown>(null)

  const version = computed(() => health.value?.version ?? '')
  const rtmpServerUrl = computed(() =>
    publishServerUrl(health.value?.endpoints, globalThis.location?.hostname ?? ''),
  )

  async function refresh() {
    try {
      health.value = await fetchHealth()
      error.value = null
    } catch (err) {
      error.value = err
      throw err
    }
  }

  function pipeline(id: string) {
    return health.value?.pipelines.find((p) => p.id === id) ?? null
  }

  return { health, error, version, rtmpServerUrl, refresh, pipeline }
})
