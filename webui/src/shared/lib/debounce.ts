/** Calls `fn` once `ms` after the last call; `flush()` runs a pending call now, `cancel()` drops it. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let pending: A | null = null
  const run = () => {
    timer = undefined
    const args = pending
    pending = null
    if (args) fn(...args)
  }
  const debounced = (...args: A) => {
    pending = args
    clearTimeout(timer)
    timer = setTimeout(run, ms)
  }
  debounced.flush = () => {
    clearTimeout(timer)
    run()
  }
  debounced.cancel = () => {
    clearTimeout(timer)
    timer = undefined
    pending = null
  }
  return debounced
}
