import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  mosipWorkflowCompletedEventSchema,
  websubEventEnvelopeSchema
} from '@mosip-bridge/contracts'
import { verifyHubSignature } from '../../integrations/mosip/hub-signature.js'
import type { WebsubIntakeService } from '../../pipeline/websub-intake.service.js'

interface WebsubRouteDeps {
  /** The credential topic (MOSIP_WEBSUB_TOPIC). */
  topic: string
  /** The workflow-completed topic, when the bridge subscribes to it. */
  workflowTopic?: string | undefined
  secret: string
  /** Earlier secrets still accepted while the hub moves to `secret` (MOSIP_WEBSUB_PREVIOUS_SECRETS). */
  previousSecrets?: readonly string[]
  deliveries: Pick<WebsubIntakeService, 'receive'>
  /** Counts a delivery refused for its signature. */
  onSignatureFailure?: () => void
  clock?: () => number
}

/**
 * The hub's intent verification query. Every parameter is optional here: the handler answers
 * each missing or unexpected one itself, in plain text, as the hub expects.
 */
const intentVerificationQuerySchema = z.looseObject({
  'hub.mode': z.string().optional(),
  'hub.topic': z.string().optional(),
  'hub.challenge': z.string().optional(),
  'hub.lease_seconds': z.string().optional(),
  'hub.reason': z.string().optional()
})

/**
 * A delivery: normally the MOSIP event envelope or a workflow-completed event, but anything is
 * accepted. The signature is
 * checked before anything is read from it, and a signed delivery is stored and acknowledged
 * whatever it holds (the hub stops delivering after a non-2xx), so this schema never refuses.
 */
const deliveryBodySchema = z
  .union([websubEventEnvelopeSchema, mosipWorkflowCompletedEventSchema, z.unknown()])
  .describe(
    "The MOSIP event envelope (CREDENTIAL_ISSUED) or the registration processor's " +
      'workflow-completed event; any other body is stored and acknowledged too'
  )

const envelope = websubEventEnvelopeSchema.shape
const event = envelope.event.shape

/**
 * The fields of a delivery its acknowledgement echoes. Each is taken from the event envelope's
 * schema and kept only when it is valid there: a delivery that does not match the envelope is
 * still stored and acknowledged, so nothing here may fail.
 */
const deliveryEchoSchema = z.object({
  publisher: envelope.publisher.optional().catch(undefined),
  topic: envelope.topic.optional().catch(undefined),
  event: z
    .object({
      id: event.id.optional().catch(undefined),
      transactionId: event.transactionId.optional().catch(undefined)
    })
    .optional()
    .catch(undefined)
})

/**
 * The WebSub subscriber endpoints. Intent verification answers only for our topics (the
 * credential topic and, when subscribed, the workflow-completed one); deliveries
 * are authenticated by X-Hub-Signature over the raw bytes, stored, and acknowledged with 2xx —
 * every further step runs as a job. Never answer non-2xx to an authenticated delivery because
 * of our own processing: the hub would stop delivering to us.
 */
export function registerWebsubRoutes(app: FastifyInstance, deps: WebsubRouteDeps): void {
  const now = () => new Date((deps.clock ?? Date.now)()).toISOString()
  const ourTopics = new Set([deps.topic, ...(deps.workflowTopic ? [deps.workflowTopic] : [])])

  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.get(
    '/websub/callback',
    {
      schema: {
        tags: ['websub'],
        summary: "MOSIP WebSub hub: intent verification of the bridge's subscription",
        description:
          'Called by the hub, not by clients. Answers the challenge as text/plain for our topics ' +
          '(the credential topic, and the workflow-completed topic when subscribed), ' +
          '404 for another topic, a missing topic or any mode but subscribe (the bridge never ' +
          'asks to unsubscribe), 400 without a challenge or with a repeated one, 200 to a denial.',
        querystring: intentVerificationQuerySchema
      }
    },
    async (request, reply) => {
      const query = request.query
      const mode = query['hub.mode']
      const challenge = query['hub.challenge']
      if (mode === 'denied') {
        request.log.warn(
          { topic: query['hub.topic'], reason: query['hub.reason'] },
          'hub denied the subscription'
        )
        return reply.status(200).type('text/plain').send('')
      }
      if (!challenge) {
        return reply.status(400).type('text/plain').send('Missing hub.challenge')
      }
      // Only what the bridge asked for is confirmed: it subscribes, and never unsubscribes
      // through the hub, so an unsubscription someone else requested is refused.
      if (mode !== 'subscribe') {
        request.log.warn({ mode }, 'intent verification for a mode we did not ask for')
        return reply
          .status(404)
          .type('text/plain')
          .send(mode === undefined ? 'Missing hub.mode' : `not confirming hub.mode ${mode}`)
      }
      const topic = query['hub.topic']
      if (topic === undefined) {
        return reply.status(404).type('text/plain').send('Missing hub.topic')
      }
      if (!ourTopics.has(topic)) {
        request.log.warn({ topic }, 'intent verification for a topic we did not ask for')
        return reply.status(404).type('text/plain').send('not subscribed to this topic')
      }
      return reply.status(200).type('text/plain').send(challenge)
    }
  )

  routes.post(
    '/websub/callback',
    {
      schema: {
        tags: ['websub'],
        summary: 'MOSIP WebSub hub: delivery of an event (CREDENTIAL_ISSUED, workflow completed)',
        description:
          'Called by the hub, not by clients. The body is the MOSIP event envelope of an issued ' +
          "credential, or the registration processor's workflow-completed event, signed with " +
          '`X-Hub-Signature: sha256=<hex HMAC of the raw body>`; 401 without a valid signature. ' +
          'A signed delivery is stored and answered 200, whatever it holds.',
        body: deliveryBodySchema
      }
    },
    async (request, reply) => {
      const signature = request.headers['x-hub-signature']
      const signed = [deps.secret, ...(deps.previousSecrets ?? [])].some((secret) =>
        verifyHubSignature(signature, request.rawBytes, secret)
      )
      if (!signed) {
        deps.onSignatureFailure?.()
        request.log.warn('websub delivery refused: X-Hub-Signature missing or wrong')
        return reply.status(401).send({ error: 'Invalid X-Hub-Signature' })
      }
      const receipt = await deps.deliveries.receive(request.rawBytes!, request.body ?? {})
      request.log.info(
        {
          mosipEventId: receipt.eventId,
          kind: receipt.kind,
          duplicate: receipt.duplicate,
          usable: receipt.usable
        },
        receipt.duplicate ? 'websub delivery already received' : 'websub delivery stored'
      )
      if (receipt.kind === 'workflow-completed') {
        // The event has no envelope to echo: the acknowledgement names what was stored.
        return reply.status(200).send({
          topic: receipt.topic,
          publishedOn: now(),
          event: { id: receipt.eventId, timestamp: now(), status: 'RECEIVED', url: '' }
        })
      }
      const echo = deliveryEchoSchema.safeParse(request.body)
      const delivery = echo.success ? echo.data : {}
      return reply.status(200).send({
        publisher: delivery.publisher,
        topic: delivery.topic,
        publishedOn: now(),
        event: {
          id: delivery.event?.id,
          requestId: delivery.event?.transactionId,
          timestamp: now(),
          status: receipt.usable ? 'RECEIVED' : 'ERROR',
          url: ''
        }
      })
    }
  )
}
