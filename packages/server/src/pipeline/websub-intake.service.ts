import { createHash } from 'node:crypto'
import { z } from 'zod'
import { MOSIP_WORKFLOW_COMPLETED_TOPIC, websubEventEnvelopeSchema } from '@mosip-bridge/contracts'
import type { Store } from '../store/database.js'
import type { WebsubInboxRepository } from '../store/websub-inbox.repository.js'
import type { JobQueue } from '../queue/job-queue.js'
import { TASKS, jobKeys, type Tasks } from './tasks.js'

interface DeliveryReceipt {
  eventId: string
  /** The topic the delivery is stored under ('' when the body names none). */
  topic: string
  /** What the body was taken for. */
  kind: 'credential' | 'workflow-completed' | 'unusable'
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
 * A workflow-completed event as the hub delivers it: the publisher's body as is, with no event
 * envelope. Only what names it is read here (the job checks the whole event against the
 * contract); the registration id is bounded so that the derived event id stays a short key.
 */
const workflowEventKeysSchema = z
  .looseObject({
    instanceId: z.string().min(1).max(100),
    resultCode: z.string().min(1).max(50)
  })
  .refine((body) => !('event' in body))

/** Prefix of the inbox ids of workflow-completed events. */
const WORKFLOW_EVENT_ID_PREFIX = 'workflow:'

/**
 * The inbox id of a workflow-completed event. MOSIP gives these events no id of their own: the
 * registration id and the result name one, so that the hub's redeliveries are deduplicated.
 */
export function workflowEventId(instanceId: string, resultCode: string): string {
  return `${WORKFLOW_EVENT_ID_PREFIX}${instanceId}:${resultCode}`
}

/** Whether an inbox id is that of a workflow-completed event (see `workflowEventId`). */
export function isWorkflowEventId(eventId: string): boolean {
  return eventId.startsWith(WORKFLOW_EVENT_ID_PREFIX)
}

/** What a delivery was taken for, with the inbox id and topic it is stored under. */
type ClassifiedDelivery =
  | { kind: 'credential'; eventId: string; topic: string }
  | { kind: 'workflow-completed'; eventId: string; topic: string }
  | { kind: 'unusable'; topic: string }

/**
 * Stores an authenticated WebSub delivery and queues its processing, in one transaction, before
 * the hub gets its 2xx. Two kinds of delivery come to the callback: CREDENTIAL_ISSUED events
 * (MOSIP's event envelope, deduplicated on its event id) and the registration processor's
 * workflow-completed events (a bare `{instanceId, resultCode, …}`, deduplicated on those two).
 * A delivery that is neither is still stored (under a digest of its body) so nothing the hub
 * sent is lost.
 */
export class WebsubIntakeService {
  readonly #workflowTopic: string

  constructor(
    private readonly deps: {
      store: Store
      inbox: WebsubInboxRepository
      queue: JobQueue<Tasks>
      /** The workflow-completed topic we subscribe to; its default name when switched off. */
      workflowTopic?: string | undefined
    }
  ) {
    this.#workflowTopic = deps.workflowTopic ?? MOSIP_WORKFLOW_COMPLETED_TOPIC
  }

  async receive(rawBody: Buffer, parsed: unknown): Promise<DeliveryReceipt> {
    const delivery = this.#classify(parsed)
    const eventId =
      delivery.kind === 'unusable'
        ? `sha256:${createHash('sha256').update(rawBody).digest('hex')}`
        : delivery.eventId
    const created = await this.deps.store.transaction(async (trx) => {
      const stored = await this.deps.inbox.record(trx, {
        eventId,
        topic: delivery.topic,
        body: rawBody.toString('utf8')
      })
      if (!stored.created) return false
      if (delivery.kind === 'credential') {
        await this.deps.queue.enqueue(
          trx,
          TASKS.processCredential,
          { v: 1, eventId },
          { jobKey: jobKeys.processCredential(eventId) }
        )
      } else if (delivery.kind === 'workflow-completed') {
        await this.deps.queue.enqueue(
          trx,
          TASKS.applyWorkflowEvent,
          { v: 1, eventId },
          { jobKey: jobKeys.applyWorkflowEvent(eventId) }
        )
      } else {
        await this.deps.inbox.markProcessed(trx, eventId, 'invalid', {
          note: 'DELIVERY_WITHOUT_EVENT_ID',
          keepBody: true
        })
      }
      return true
    })
    const usable = delivery.kind !== 'unusable'
    if (created && usable) this.deps.queue.notify()
    return { eventId, topic: delivery.topic, kind: delivery.kind, duplicate: !created, usable }
  }

  #classify(parsed: unknown): ClassifiedDelivery {
    const keys = deliveryKeysSchema.safeParse(parsed)
    const topic = (keys.success ? keys.data.topic : undefined) ?? ''
    const mosipEventId = keys.success ? keys.data.event?.id : undefined
    if (mosipEventId !== undefined) return { kind: 'credential', eventId: mosipEventId, topic }
    const workflow = workflowEventKeysSchema.safeParse(parsed)
    if (workflow.success) {
      const { instanceId, resultCode } = workflow.data
      return {
        kind: 'workflow-completed',
        eventId: workflowEventId(instanceId, resultCode),
        topic: this.#workflowTopic
      }
    }
    return { kind: 'unusable', topic }
  }
}
