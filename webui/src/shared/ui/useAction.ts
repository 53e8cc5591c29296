import { ref } from 'vue'
import { useErrorText } from './errorText'

/**
 * A form's submit: `busy` while it runs, `error` as a sentence when it throws (cleared when it
 * starts again). `run` resolves to the action's result, or undefined when it failed.
 */
export function useAction() {
  const errorText = useErrorText()
  const busy = ref(false)
  const error = ref('')
  async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
    busy.value = true
    error.value = ''
    try {
      return await action()
    } catch (err) {
      error.value = errorText(err)
      return undefined
    } finally {
      busy.value = false
    }
  }
  return { busy, error, run }
}
