/**
 * Faults armed on the hub (deny, duplicate, reorder, forged signature, drop), each used once by
 * the first verification or delivery it matches, and the per-subscriber trailing-slash setting.
 */
import type { WebsubArmedFault, WebsubSelector } from './hub-types.js'
import { matchesSelector } from './selector.js'

export class HubFaults {
  readonly defaultTrailingSlash: boolean
  private readonly onChange: () => void
  private faults: WebsubArmedFault[] = []
  private readonly trailingSlashRules: Array<WebsubSelector & { enabled: boolean }> = []

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
    const [taken] = this.faults.splice(index, 1)
    // A subscriber holding back for a reorder it no longer gets must look again.
    if (kind === 'reorder') this.onChange()
    return taken
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
