// Errors nobody else caught (a component threw, a page chunk failed to load). The shell shows
// the latest one above the page, so a failure is a message and never a blank screen.
import { ref } from 'vue'

export const uncaughtError = ref<unknown>(null)

export function reportUncaught(error: unknown) {
  // A cancelled request or an interrupted play() is not a failure anyone needs to see.
  if (error instanceof DOMException && (error.name === 'AbortError' || error.name === 'NotAllowedError')) return
  uncaughtError.value = error
  console.error(error)
}
