/**
 * Control API of the simulated WebSub hub on its SimServer (default prefix `/_sim/websub`):
 *
 * - `GET  …/subscriptions`                 pending/active/stopped subscriptions, secrets masked
 * - `GET  …/deliveries?topic=&callback=`   delivery attempts
 * - `GET  …/verifications?topic=&callback=` intent verifications and denials sent
 * - `DELETE …/logs`                        clears both logs
 * - `GET  …/topics`                        topics and message counts
 * - `POST …/publish` `{topic, event}`      publishes without auth → `{offset}`
 * - `GET|POST|DELETE …/faults`             `{kind: duplicate|reorder|forge-signature|drop|fail|deny,
 *                                          topic?, callback?, reason?, after?}`
 * - `PUT  …/polling` `{paused}`            consumers start no new poll while paused
 * - `PUT  …/trailing-slash` `{enabled, topic?, callback?}`
 * - `GET|PUT …/commit-mode` `{mode: poll-batch|message}`
 */
import { z } from 'zod'
import type { SimServer } from '../../shared/sim-server.js'
import type {
  WebsubArmedFault,
  WebsubDeliveryFault,
  WebsubDeliveryRecord,
  WebsubSelector,
  WebsubSubscriptionView,
  WebsubTopicView,
  WebsubVerificationRecord
} from './hub-types.js'

/** What the control API needs of the hub. */
interface WebsubControlTarget {
  subscriptions(): WebsubSubscriptionView[]
  deliveries(selector?: WebsubSelector): WebsubDeliveryRecord[]
  verifications(selector?: WebsubSelector): WebsubVerificationRecord[]
  clearLogs(): void
  topicsView(): WebsubTopicView[]
  publishAt(topic: string, event: unknown): number
  armedFaults(): WebsubArmedFault[]
  clearFaults(): void
  denyNext(topic: string, reason?: string, callback?: string): void
  duplicateNext(selector?: WebsubSelector): void
  reorderNext(selector?: WebsubSelector): void
  forgeSignatureNext(selector?: WebsubSelector): void
  dropNext(selector?: WebsubSelector): void
  failNext(selector?: WebsubSelector, after?: number): void
  pausePolling(): void
  resumePolling(): void
  setCommitMode(mode: 'message' | 'poll-batch'): void
  readonly commitMode: 'message' | 'poll-batch'
  setTrailingSlash(enabled: boolean, selector?: WebsubSelector): void
}

type Params = Record<string, string | undefined>

const faultBodySchema = z.object({
  kind: z.enum(['duplicate', 'reorder', 'forge-signature', 'drop', 'fail', 'deny']),
  topic: z.string().min(1).optional(),
  callback: z.string().min(1).optional(),
  reason: z.string().min(1).optional(),
  /** `fail` only: matching deliveries let through first. */
  after: z.number().int().min(0).optional()
})
const pollingBodySchema = z.object({ paused: z.boolean() })
const publishBodySchema = z.object({ topic: z.string().min(1), event: z.unknown() })
const trailingSlashBodySchema = z.object({
  enabled: z.boolean(),
  topic: z.string().min(1).optional(),
  callback: z.string().min(1).optional()
})

const commitModeBodySchema = z.object({ mode: z.enum(['poll-batch', 'message']) })

export function registerWebsubControlApi(
  sim: SimServer,
  hub: WebsubControlTarget,
  prefix: string
): void {
  const app = sim.app
  const armers: Record<WebsubDeliveryFault, (selector: WebsubSelector, after: number) => void> = {
    duplicate: (selector) => hub.duplicateNext(selector),
    reorder: (selector) => hub.reorderNext(selector),
    'forge-signature': (selector) => hub.forgeSignatureNext(selector),
    drop: (selector) => hub.dropNext(selector),
    fail: (selector, after) => hub.failNext(selector, after)
  }
  const selectorOf = (query: unknown): WebsubSelector => {
    const { topic, callback } = (query ?? {}) as Params
    const selector: WebsubSelector = {}
    if (topic) selector.topic = topic
    if (callback) selector.callback = callback
    return selector
  }
  app.get(`${prefix}/subscriptions`, async () => ({ subscriptions: hub.subscriptions() }))
  app.get(`${prefix}/deliveries`, async (request) => ({
    deliveries: hub.deliveries(selectorOf(request.query))
  }))
  app.get(`${prefix}/verifications`, async (request) => ({
    verifications: hub.verifications(selectorOf(request.query))
  }))
  app.delete(`${prefix}/logs`, async () => {
    hub.clearLogs()
    return { cleared: true }
  })
  app.get(`${prefix}/topics`, async () => ({ topics: hub.topicsView() }))
  app.post(`${prefix}/publish`, async (request, reply) => {
    const parsed = publishBodySchema.safeParse(request.body)
    if (!parsed.success) return reply.code(400).send({ error: z.prettifyError(parsed.error) })
    try {
      return { offset: hub.publishAt(parsed.data.topic, parsed.data.event) }
    } catch (error) {
      return reply.code(400).send({ error: error instanceof Error ? error.message : 'invalid' })
    }
  })
  app.get(`${prefix}/faults`, async () => ({ faults: hub.armedFaults() }))
  app.post(`${prefix}/faults`, async (request, reply) => {
    const parsed = faultBodySchema.safeParse(request.body)
    if (!parsed.success) return reply.code(400).send({ error: z.prettifyError(parsed.error) })
    const { kind, topic, callback, reason, after } = parsed.data
    if (kind === 'deny') {
      if (topic === undefined) return reply.code(400).send({ error: 'deny needs a topic' })
      hub.denyNext(topic, reason, callback)
    } else {
      const selector: WebsubSelector = {}
      if (topic !== undefined) selector.topic = topic
      if (callback !== undefined) selector.callback = callback
      armers[kind](selector, after ?? 0)
    }
    return { faults: hub.armedFaults() }
  })
  app.delete(`${prefix}/faults`, async () => {
    hub.clearFaults()
    return { faults: [] }
  })
  app.put(`${prefix}/trailing-slash`, async (request, reply) => {
    const parsed = trailingSlashBodySchema.safeParse(request.body)
    if (!parsed.success) return reply.code(400).send({ error: z.prettifyError(parsed.error) })
    const { enabled, topic, callback } = parsed.data
    const selector: WebsubSelector = {}
    if (topic !== undefined) selector.topic = topic
    if (callback !== undefined) selector.callback = callback
    hub.setTrailingSlash(enabled, selector)
    return { subscriptions: hub.subscriptions() }
  })

  app.put(`${prefix}/polling`, async (request, reply) => {
    const parsed = pollingBodySchema.safeParse(request.body)
    if (!parsed.success) return reply.code(400).send({ error: z.prettifyError(parsed.error) })
    if (parsed.data.paused) hub.pausePolling()
    else hub.resumePolling()
    return parsed.data
  })
  app.get(`${prefix}/commit-mode`, async () => ({ mode: hub.commitMode }))
  app.put(`${prefix}/commit-mode`, async (request, reply) => {
    const parsed = commitModeBodySchema.safeParse(request.body)
    if (!parsed.success) return reply.code(400).send({ error: z.prettifyError(parsed.error) })
    hub.setCommitMode(parsed.data.mode)
    return { mode: hub.commitMode }
  })
}
