// Upload speed and time left from progress samples: the rate over the last few seconds, so a
// stall shows at once and a burst does not promise the moon.

export class SpeedMeter {
  private samples: Array<{ at: number; bytes: number }> = []

  constructor(private readonly windowMs = 5000) {}

  /** `bytes` is the total sent so far, at `at` ms. A lower total (a restart) starts over. */
  add(bytes: number, at: number): void {
    const last = this.samples[this.samples.length - 1]
    if (last && bytes < last.bytes) this.samples = []
    this.samples.push({ at, bytes })
    const from = at - this.windowMs
    while (this.samples.length > 2 && this.samples[0]!.at < from) this.samples.shift()
  }

  reset(): void {
    this.samples = []
  }

  /** Bytes per second over the window; null until there are two samples half a second apart. */
  rate(): number | null {
    if (this.samples.length < 2) return null
    const first = this.samples[0]!
    const last = this.samples[this.samples.length - 1]!
    const ms = last.at - first.at
    if (ms < 500) return null
    return ((last.bytes - first.bytes) * 1000) / ms
  }

  /** Seconds until `total` at the current rate; null when unknown or stalled. */
  eta(total: number): number | null {
    const rate = this.rate()
    const last = this.samples[this.samples.length - 1]
    if (!rate || rate <= 0 || !last) return null
    return Math.max(0, (total - last.bytes) / rate)
  }
}
