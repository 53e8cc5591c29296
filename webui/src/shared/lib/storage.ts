// localStorage that never throws: private modes and locked-down browsers refuse it.

export function readSetting(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null
  } catch {
    return null
  }
}

export function writeSetting(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value)
  } catch {
    // Not remembered is acceptable; failing the action is not.
  }
}
