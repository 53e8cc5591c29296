// Keyboard shortcuts while the player has focus: space/k, arrows, f, m.
// Keys typed into the player's own controls (sliders, menus) keep their usual meaning.

export interface ShortcutActions {
  togglePlay(): void
  seekBy(seconds: number): void
  changeVolume(delta: number): void
  toggleFullscreen(): void
  toggleMute(): void
}

const SEEK_S = 5
const VOLUME_STEP = 0.1

export function handlePlayerKey(event: KeyboardEvent, actions: ShortcutActions): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey) return false
  const target = event.target as HTMLElement | null
  const tag = target?.tagName
  if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || target?.closest('[role="menu"]')) return false
  // Space on a focused button should press that button, not toggle playback.
  if (event.key === ' ' && tag === 'BUTTON') return false

  switch (event.key) {
    case ' ':
    case 'k':
    case 'K':
      actions.togglePlay()
      break
    case 'ArrowLeft':
      actions.seekBy(-SEEK_S)
      break
    case 'ArrowRight':
      actions.seekBy(SEEK_S)
      break
    case 'ArrowUp':
      actions.changeVolume(VOLUME_STEP)
      break
    case 'ArrowDown':
      actions.changeVolume(-VOLUME_STEP)
      break
    case 'f':
    case 'F':
      actions.toggleFullscreen()
      break
    case 'm':
    case 'M':
      actions.toggleMute()
      break
    default:
      return false
  }
  event.preventDefault()
  return true
}
