/**
 * What the hub runs in the background (waits between retries, requests to subscribers, consumer
 * loops), and how closing the hub ends all of it.
 */
export class HubLifecycle {
  private isClosed = false
  private readonly abort = new AbortController()
  private readonly timers = new Map<NodeJS.Timeout, (value: boolean) => void>()
  private readonly tasks = new Set<Promise<void>>()

  get closed(): boolean {
    return this.isClosed
  }

  /** Aborted when the hub closes: every outbound request carries it. */
  get signal(): AbortSignal {
    return this.abort.signal
  }

  /** Waits `ms`; resolves false at once if the hub is (or gets) closed. */
  delay(ms: number): Promise<boolean> {
    if (this.isClosed) return Promise.resolve(false)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        resolve(!this.isClosed)
      }, ms)
      this.timers.set(timer, resolve)
    })
  }

  /** Keeps a background task until it ends, so that closing can wait for it. */
  track(task: Promise<void>): void {
    const tracked = task.catch(() => undefined).finally(() => this.tasks.delete(tracked))
    this.tasks.add(tracked)
  }

  /**
   * Marks the hub closed, aborts requests in flight and ends every pending wait with false.
   * Returns false when the hub was already closed.
   */
  shutdown(): boolean {
    if (this.isClosed) return false
    this.isClosed = true
    this.abort.abort()
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer)
      resolve(false)
    }
    this.timers.clear()
    return true
  }

  /** Resolves once every tracked task has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.tasks])
  }
}
