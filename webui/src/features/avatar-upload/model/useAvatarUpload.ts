// Picking, previewing and uploading an avatar, with progress; the component only draws it.
import { onBeforeUnmount, ref } from 'vue'
import { useSessionStore, userApi } from '@/entities/user'

export const AVATAR_MAX_MB = 5
// What the server decodes (plugins/auth avatars.cpp): a GIF is not offered, since it would be refused.
export const AVATAR_TYPES = ['image/png', 'image/jpeg', 'image/webp']

export type AvatarProblem = 'wrongType' | 'tooLarge' | null

function withVersion(url: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}v=${Date.now()}`
}

export function checkAvatarFile(file: File): AvatarProblem {
  if (!AVATAR_TYPES.includes(file.type)) return 'wrongType'
  if (file.size > AVATAR_MAX_MB * 1024 * 1024) return 'tooLarge'
  return null
}

export function useAvatarUpload() {
  const session = useSessionStore()
  const file = ref<File | null>(null)
  const previewUrl = ref<string | null>(null)
  const problem = ref<AvatarProblem>(null)
  const error = ref<unknown>(null)
  const progress = ref<number | null>(null)
  const done = ref(false)
  let controller: AbortController | null = null

  function clearPreview() {
    if (previewUrl.value) URL.revokeObjectURL(previewUrl.value)
    previewUrl.value = null
  }

  function choose(selected: File | null) {
    clearPreview()
    error.value = null
    done.value = false
    file.value = null
    problem.value = selected ? checkAvatarFile(selected) : null
    if (!selected || problem.value) return
    file.value = selected
    previewUrl.value = URL.createObjectURL(selected)
  }

  async function upload() {
    if (!file.value) return
    controller = new AbortController()
    error.value = null
    progress.value = 0
    try {
      const result = await userApi.uploadAvatar(file.value, (f) => (progress.value = f), controller.signal)
      // The URL may stay the same (/api/users/NAME/avatar) while the picture changes:
      // a version parameter makes every <img> fetch the new one instead of its cached copy.
      session.updateUser({ avatar_url: withVersion(result.avatar_url) })
      done.value = true
      file.value = null
      clearPreview()
    } catch (err) {
      if (!(err instanceof DOMException && err.name === 'AbortError')) error.value = err
    } finally {
      progress.value = null
      controller = null
    }
  }

  function cancel() {
    controller?.abort()
  }

  onBeforeUnmount(() => {
    cancel()
    clearPreview()
  })

  return { file, previewUrl, problem, error, progress, done, choose, upload, cancel }
}
