import { ref } from 'vue'
import { useAction } from './useAction'

/** The picture types the server's image service decodes. */
export const UPLOAD_IMAGE_TYPES = 'image/jpeg,image/png,image/webp'

/**
 * A picture picked in an `<input type="file">` and uploaded with progress: the file type and
 * size are checked first (the messages say why not), then `upload` runs as a useAction.
 */
export function useImageUpload(maxBytes: number, messages: { wrongType: () => string; tooLarge: () => string }) {
  const { busy, error, run } = useAction()
  const percent = ref<number | null>(null)
  async function pick<T>(event: Event, upload: (file: File, onProgress: (fraction: number) => void) => Promise<T>) {
    const input = event.target as HTMLInputElement
    const file = input.files?.[0]
    input.value = ''
    if (!file) return undefined
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) {
      error.value = messages.wrongType()
      return undefined
    }
    if (file.size > maxBytes) {
      error.value = messages.tooLarge()
      return undefined
    }
    percent.value = 0
    const result = await run(() => upload(file, (f) => (percent.value = Math.round(f * 100))))
    percent.value = null
    return result
  }
  return { busy, error, percent, run, pick }
}
