import { createHash } from 'node:crypto'
import type { Store } from '../store/database.js'
import type { WebsubInboxRepository } from '../store/websub-inbox.repository.js'
import type { JobQueue } from '../queue/job-queue.js'
import { TASKS, jobKeys, type Tasks } from './tasks.js'

export interface DeliveryReceipt {
  eventId: string
  duplicate: boolean
  /** False when the body is not a usable event (kept for an operator, not processed). */
  usable: boolean
}

/**
 * Stores an authenticated WebSub delivery and queues its processing, in one transaction, before
 * the hub gets its 2xx. The MOSIP event id deduplicates redeliveries. A delivery without an
 * event id is still stored (under a digest of its body) so nothing the hub sent is lost.
 */
export class WebsubIntakeService {
  constructor(
    private readonly deps: { store: Store; inbox: WebsubInboxRepository; queue: JobQueue<Tasks> }
  ) {}

  async receive(rawBody: Buffer, parsed: unknown): Promise<DeliveryReceipt> {
    const event = (parsed as { event?: { id?: unknown } } | null)?.event
    const topic = (parsed as { topic?: unknown } | null)?.topic
    const usable = typeof event?.id === 'string' && event.id !== ''
    const eventId = usable
      ? (event.id as string)
      : `sha256:${createHash('sha256').update(rawBody).digest('hex')}`
    const created = await this.deps.store.transaction(async (trx) => {
      const stored = await this.deps.inbox.record(trx, {
        eventId,
        topic: typeof topic === 'string' ? topic : '',
        body: rawBody.toString('utf8')
      })
      if (!stored.created) return false
      if (usable) {
        await this.deps.queue.enqueue(
          trx,
          TASKS.processCredential,
          { v: 1, eventId },
          { jobKey: jobKeys.processCredential(eventId) }
        )
      } else {
        await this.deps.inbox.markProcessed(trx, eventId, 'invalid', {
          note: 'DELIVERY_WITHOUT_EVENT_ID',
          keepBody: true
        })
      }
      return true
    })
    if (created && usable) this.deps.queue.notify()
    return { eventId, duplicate: !created, usable }
  }
}
