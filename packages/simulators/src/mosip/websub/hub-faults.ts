/**
 * Faults armed on the hub (deny, duplicate, reorder, forged signature, drop, fail), each used once
 * by the first verification or delivery it matches (a `fail` with `after: n` lets n matching
 * deliveries through first), the per-subscriber trailing-slash setting, and whether consumers may
 * start new polls.
 */
import type { WebsubArmedFault, WebsubSelector } from './hub-types.js'
import { matchesSelector } from './selector.js'

export class HubFaults {
  readonly defaultTrailingSlash: boolean
  private readonly onChange: () => void
  private faults: WebsubArmedFault[] = []
  private readonly trailingSlashRules: Array<WebsubSelector & { enabled: boolean }> = []
  private pollingPaused = false

  /** `onChange` runs after faults are armed, cleared or a reorder is used: consumers look again. */
  constructor(defaultTrailingSlash: boolean, onChange: () => void) {
    this.defaultTrailingSlash = defaultTrailingSlash
    this.onChange = onChange
  }

  arm(fault: WebsubArmedFault): void {
    const clean: WebsubArmedFault = { kind: fault.kind }
    if (fault.topic !== undefined) clean.topic = fault.topic
    if (fault.callback !== undefined) clean.callback = fault.callback
    if (fault.reason !== undefined) clean.reason = fault.reason
    if (fault.after !== undefined && fault.after > 0) clean.after = fault.after
    this.faults.push(clean)
    this.onChange()
  }

  /** Faults armed and not yet used, oldest first. */
  armed(): WebsubArmedFault[] {
    return this.faults.map((fault) => ({ ...fault }))
  }

  clear(): void {
    this.faults = []
    this.onChange()
  }

  /** Whether a fault of this kind is armed for the subscriber, without using it. */
  peek(kind: WebsubArmedFault['kind'], topic: string, callback: string): boolean {
    return this.faults.some(
      (fault) => fault.kind === kind && matchesSelector(fault, topic, callback)
    )
  }

  /** Uses the oldest fault of this kind armed for the subscriber, if any. */
  take(
    kind: WebsubArmedFault['kind'],
    topic: string,
    callback: string
  ): WebsubArmedFault | undefined {
    const index = this.faults.findIndex(
      (fault) => fault.kind === kind && matchesSelector(fault, topic, callback)
    )
    if (index < 0) return undefined
    const found = this.faults[index] as WebsubArmedFault
    if (found.after !== undefined && found.after > 0) {
      found.after -= 1
      if (found.after === 0) delete found.after
      return undefined
    }
    const [taken] = this.faults.splice(index, 1)
    // A subscriber holding back for a reorder it no longer gets must look again.
    if (kind === 'reorder') this.onChange()
    return taken
  }

  /**
   * While paused, no consumer starts a new poll (a poll in progress is delivered to its end), so
   * messages published meanwhile come in one poll of up to `maxPollRecords` after `resume`.
   */
  setPollingPaused(paused: boolean): void {
    this.pollingPaused = paused
    this.onChange()
  }

  get pollingIsPaused(): boolean {
    return this.pollingPaused
  }

  /** POST to `<callback>/` for the matching subscribers, or stop doing so; later rules win. */
  setTrailingSlash(enabled: boolean, selector: WebsubSelector): void {
    this.trailingSlashRules.push({ ...selector, enabled })
  }

  trailingSlashFor(topic: string, callback: string): boolean {
    let enabled = this.defaultTrailingSlash
    for (const rule of this.trailingSlashRules) {
      if (matchesSelector(rule, topic, callback)) enabled = rule.enabled
    }
    return enabled
  }
}
