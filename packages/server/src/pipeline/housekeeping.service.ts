import type { Logger } from '../observability/logger.js'
import type { RetentionRepository } from '../store/retention.repository.js'

interface HousekeepingDeps {
  retention: RetentionRepository
  /** WEBSUB_INBOX_RETENTION_DAYS in ms; 0 keeps processed deliveries (and operators' WebSub intents). */
  inboxRetentionMs: number
  /** REGISTRATION_HISTORY_RETENTION_DAYS in ms; 0 keeps the history. */
  historyRetentionMs: number
  logger: Logger
  /** Between two purges; default one hour. */
  everyMs?: number
  clock?: () => number
}

/**
 * Forgets, once an hour, what has outlived its retention: processed WebSub deliveries and the
 * WebSub intents operators asked for (as long as deliveries are kept), and the older history of
 * finished registrations. Several instances may purge at once: deleting rows
 * already deleted by another does nothing.
 */
export class Housekeeping {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  private readonly clock: () => number

  constructor(private readonly deps: HousekeepingDeps) {
    this.clock = deps.clock ?? Date.now
  }

  start(): void {
    if (this.timer) return
    const every = this.deps.everyMs ?? 60 * 60 * 1000
    // First purge a minute after start-up, away from the start-up work.
    this.timer = setTimeout(() => this.tick(every), Math.min(every, 60_000))
    this.timer.unref()
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running?.catch(() => undefined)
  }

  private tick(every: number): void {
    this.running = this.purgeNow()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'purge failed'))
      .finally(() => {
        this.running = undefined
        if (!this.timer) return
        this.timer = setTimeout(() => this.tick(every), every)
        this.timer.unref()
      })
  }

  /** One purge now; returns what was deleted. */
  async purgeNow(): Promise<{ deliveries: number; websubIntents: number; historyEntries: number }> {
    const now = this.clock()
    const { inboxRetentionMs, historyRetentionMs, retention } = this.deps
    const deliveries =
      inboxRetentionMs > 0 ? await retention.purgeDeliveries(now - inboxRetentionMs) : 0
    const websubIntents =
      inboxRetentionMs > 0 ? await retention.purgeWebsubIntents(now - inboxRetentionMs) : 0
    const historyEntries =
      historyRetentionMs > 0 ? await retention.purgeFinishedHistory(now - historyRetentionMs) : 0
    if (deliveries > 0 || websubIntents > 0 || historyEntries > 0) {
      this.deps.logger.info(
        { deliveries, websubIntents, historyEntries },
        'old deliveries, WebSub intents and history purged'
      )
    }
    return { deliveries, websubIntents, historyEntries }
  }
}
