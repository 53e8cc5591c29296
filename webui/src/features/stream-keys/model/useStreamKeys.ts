// The user's stream keys and what can be done with them. The full key exists only in the
// create/regenerate answer, so the latest one is kept here to show (and copy) exactly once.
import { ref } from 'vue'
import { streamKeyApi } from '@/entities/stream-key'
import type { StreamKey, StreamKeyChange, StreamKeySecret } from '@/shared/api'

export function useStreamKeys() {
  const keys = ref<StreamKey[]>([])
  const loading = ref(false)
  const error = ref<unknown>(null)
  const revealed = ref<StreamKeySecret | null>(null)
  const busyId = ref<StreamKey['id'] | null>(null)

  async function load() {
    loading.value = true
    try {
      keys.value = await streamKeyApi.list()
      error.value = null
    } catch (err) {
      error.value = err
    } finally {
      loading.value = false
    }
  }

  async function create(name: string) {
    const secret = await streamKeyApi.create(name)
    revealed.value = secret
    await load()
    return secret
  }

  async function act<T>(key: StreamKey, action: () => Promise<T>): Promise<T | undefined> {
    busyId.value = key.id
    try {
      const result = await action()
      error.value = null
      return result
    } catch (err) {
      error.value = err
      return undefined
    } finally {
      busyId.value = null
    }
  }

  async function regenerate(key: StreamKey) {
    const secret = await act(key, () => streamKeyApi.regenerate(key.id))
    if (secret) {
      // The server may answer only {key}; fill the rest from what we already know.
      revealed.value = { ...key, ...secret }
      await load()
    }
  }

  /** Who may watch, whether it is recorded: the server's answer replaces the key in the list. */
  async function update(key: StreamKey, change: StreamKeyChange) {
    const updated = await act(key, () => streamKeyApi.update(key.id, change))
    if (updated) keys.value = keys.value.map((k) => (k.id === key.id ? { ...k, ...updated } : k))
  }

  async function revoke(key: StreamKey) {
    const ok = await act(key, async () => {
      await streamKeyApi.revoke(key.id)
      return true
    })
    if (ok) {
      if (revealed.value?.id === key.id) revealed.value = null
      keys.value = keys.value.filter((k) => k.id !== key.id)
    }
  }

  return { keys, loading, error, revealed, busyId, load, create, update, regenerate, revoke }
}
