import { onBeforeUnmount, useTemplateRef, watch } from 'vue'

/**
 * Infinite scroll: `loadMore` runs when the template element named `refName` (a sentinel after
 * the list, with a "More" button inside for keyboards and old browsers) comes within `margin`
 * of the viewport.
 */
export function useInfiniteScroll(loadMore: () => unknown, refName = 'sentinel', margin = '600px') {
  const sentinel = useTemplateRef<HTMLElement>(refName)
  let observer: IntersectionObserver | null = null
  watch(sentinel, (el) => {
    observer?.disconnect()
    if (!el || typeof IntersectionObserver === 'undefined') return
    observer = new IntersectionObserver((seen) => seen.some((e) => e.isIntersecting) && void loadMore(), { rootMargin: margin })
    observer.observe(el)
  })
  onBeforeUnmount(() => observer?.disconnect())
}
