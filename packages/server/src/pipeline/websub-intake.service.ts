import { createHash } from 'node:crypto'
import { z } from 'zod'
import { websubEventEnvelopeSchema } from '@mosip-bridge/contracts'
import type { Store } from '../store/database.js'
import type { WebsubInboxRepository } from '../store/websub-inbox.repository.js'
import type { JobQueue } from '../queue/job-queue.js'
import { TASKS, jobKeys, type Tasks } from './tasks.js'

interface DeliveryReceipt {
  eventId: string
  duplicate: boolean
  /** False when the body is not a usable event (kept for an operator, not processed). */
  usable: boolean
}

const envelope = websubEventEnvelopeSchema.shape

/**
 * What intake reads of a delivery: its topic and MOSIP event id, each taken from the event
 * envelope's schema and absent when it does not fit there. Nothing here may fail: a signed
 * delivery is stored whatever it holds.
 */
const deliveryKeysSchema = z.object({
  topic: envelope.topic.optional().catch(undefined),
  event: z
    .object({ id: envelope.event.shape.id.pipe(z.string().min(1)).optional().catch(undefined) })
    .optional()
    .catch(undefined)
})

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
    const keys = deliveryKeysSchema.safeParse(parsed)
    const topic = keys.success ? keys.data.topic : undefined
    const mosipEventId = keys.success ? keys.data.event?.id : undefined
    const usable = mosipEventId !== undefined
    const eventId = mosipEventId ?? `sha256:${createHash('sha256').update(rawBody).digest('hex')}`
    const created = await this.deps.store.transaction(async (trx) => {
      const stored = await this.deps.inbox.record(trx, {
        eventId,
        topic: topic ?? '',
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
