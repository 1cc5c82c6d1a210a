import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  mosipWorkflowCompletedEventSchema,
  websubEventEnvelopeSchema
} from '@mosip-bridge/contracts'
import { verifyHubSignature } from '../../integrations/mosip/hub-signature.js'
import type { WebsubIntakeService } from '../../pipeline/websub-intake.service.js'
import type {
  WebsubCallback,
  WebsubIntentsRepository
} from '../../store/websub-intents.repository.js'

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
  /**
   * The subscription changes operators asked the hub for (`mosip-bridge websub …`). Without it
   * no unsubscription is ever confirmed.
   */
  intents?: Pick<WebsubIntentsRepository, 'confirm' | 'deny'>
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

/** The bridge's callbacks: the one subscriptions use, and the relay (see `WebsubCallback`). */
const CALLBACK_PATHS: ReadonlyArray<readonly [string, WebsubCallback]> = [
  ['/websub/callback', 'main'],
  ['/websub/callback/relay', 'relay']
]

const RELAY_NOTE =
  'The relay callback carries deliveries only while `mosip-bridge websub resubscribe` moves the ' +
  'main subscription to a new secret, so none is missed between its unsubscription and its new ' +
  'subscription; the hub is asked for it only by that command, and subscriptions to it are ' +
  "confirmed only while the command's request is pending. "

/**
 * The WebSub subscriber endpoints. Intent verification answers only for our topics (the
 * credential topic and, when subscribed, the workflow-completed one), and confirms an
 * unsubscription only while an operator's request for it is pending; deliveries
 * are authenticated by X-Hub-Signature over the raw bytes, stored, and acknowledged with 2xx —
 * every further step runs as a job. Never answer non-2xx to an authenticated delivery because
 * of our own processing: the hub would stop delivering to us.
 */
export function registerWebsubRoutes(app: FastifyInstance, deps: WebsubRouteDeps): void {
  const now = () => new Date((deps.clock ?? Date.now)()).toISOString()
  const ourTopics = new Set([deps.topic, ...(deps.workflowTopic ? [deps.workflowTopic] : [])])

  const routes = app.withTypeProvider<ZodTypeProvider>()

  for (const [path, callback] of CALLBACK_PATHS) {
    routes.get(
      path,
      {
        schema: {
          tags: ['websub'],
          summary: `MOSIP WebSub hub: intent verification of the bridge's ${callback} subscriptions`,
          description:
            (callback === 'relay' ? RELAY_NOTE : '') +
            'Called by the hub, not by clients. Answers the challenge as text/plain for our topics ' +
            '(the credential topic, and the workflow-completed topic when subscribed): always for ' +
            "`hub.mode=subscribe`; for `hub.mode=unsubscribe` only while an operator's request for " +
            'that topic is pending (`mosip-bridge websub unsubscribe` or `resubscribe`, valid ' +
            'minutes, confirming one verification), otherwise 404 so an unsubscription someone else ' +
            'asked for is refused. 404 for another topic, a missing topic or any other mode; 400 ' +
            'without a challenge or with a repeated one; 200 to a denial.',
          querystring: intentVerificationQuerySchema
        }
      },
      async (request, reply) => {
        const query = request.query
        const mode = query['hub.mode']
        const challenge = query['hub.challenge']
        const topic = query['hub.topic']
        if (mode === 'denied') {
          const reason = query['hub.reason'] ?? 'no reason given'
          request.log.warn({ topic, reason }, 'hub denied the subscription')
          // An operator's pending request for this topic learns the hub's answer.
          if (topic !== undefined && ourTopics.has(topic) && deps.intents) {
            await deps.intents
              .deny(topic, reason, callback)
              .catch((error: unknown) =>
                request.log.error({ err: error, topic }, 'could not record the hub denial')
              )
          }
          return reply.status(200).type('text/plain').send('')
        }
        if (!challenge) {
          return reply.status(400).type('text/plain').send('Missing hub.challenge')
        }
        if (mode !== 'subscribe' && mode !== 'unsubscribe') {
          request.log.warn({ mode }, 'intent verification for a mode we did not ask for')
          return reply
            .status(404)
            .type('text/plain')
            .send(mode === undefined ? 'Missing hub.mode' : `not confirming hub.mode ${mode}`)
        }
        if (topic === undefined) {
          return reply.status(404).type('text/plain').send('Missing hub.topic')
        }
        if (!ourTopics.has(topic)) {
          request.log.warn({ mode, topic }, 'intent verification for a topic we did not ask for')
          return reply.status(404).type('text/plain').send('not subscribed to this topic')
        }
        if (mode === 'unsubscribe') {
          // Confirmed only when an operator asked for it, through any instance or the CLI: an
          // unsubscription someone else requested would silently stop the credentials.
          const intent = await deps.intents?.confirm('unsubscribe', topic, callback)
          if (intent === undefined) {
            request.log.warn({ topic, callback }, 'refused an unsubscription no operator asked for')
            return reply
              .status(404)
              .type('text/plain')
              .send('not confirming hub.mode unsubscribe: no operator asked to unsubscribe')
          }
          request.log.info(
            { topic, intentId: intent.id },
            'confirmed the unsubscription an operator asked for'
          )
          return reply.status(200).type('text/plain').send(challenge)
        }
        if (callback === 'relay') {
          // Only `mosip-bridge websub resubscribe` subscribes the relay, for the time it moves the
          // main subscription to a new secret.
          const intent = await deps.intents?.confirm('subscribe', topic, 'relay')
          if (intent === undefined) {
            request.log.warn({ topic }, 'refused a relay subscription no operator asked for')
            return reply
              .status(404)
              .type('text/plain')
              .send('not confirming hub.mode subscribe: no operator asked for the relay')
          }
          return reply.status(200).type('text/plain').send(challenge)
        }
        if (deps.intents) {
          // Tells a waiting `mosip-bridge websub resubscribe` that the hub verified it. The bridge
          // subscribes on its own too, so the answer never depends on this.
          await deps.intents
            .confirm('subscribe', topic)
            .catch((error: unknown) =>
              request.log.error({ err: error, topic }, 'could not record the verified subscription')
            )
        }
        return reply.status(200).type('text/plain').send(challenge)
      }
    )

    routes.post(
      path,
      {
        schema: {
          tags: ['websub'],
          summary: `MOSIP WebSub hub: delivery of an event (CREDENTIAL_ISSUED, workflow completed)${callback === 'relay' ? ' through the relay' : ''}`,
          description:
            (callback === 'relay' ? RELAY_NOTE : '') +
            'Called by the hub, not by clients. The body is the MOSIP event envelope of an issued ' +
            "credential, or the registration processor's workflow-completed event, signed with " +
            '`X-Hub-Signature: sha256=<hex HMAC of the raw body>`; 401 without a valid signature. ' +
            'A signed delivery is stored and answered 200, whatever it holds.',
          body: deliveryBodySchema
        }
      },
      async (request, reply) => {
        const signature = request.headers['x-hub-signature']
        const signedWith = [deps.secret, ...(deps.previousSecrets ?? [])].findIndex((secret) =>
          verifyHubSignature(signature, request.rawBytes, secret)
        )
        if (signedWith < 0) {
          deps.onSignatureFailure?.()
          request.log.warn('websub delivery refused: X-Hub-Signature missing or wrong')
          return reply.status(401).send({ error: 'Invalid X-Hub-Signature' })
        }
        if (signedWith > 0) {
          // Tells the operator moving the hub to a new secret that it still uses an old one.
          request.log.info(
            { previousSecret: signedWith },
            'websub delivery signed with a secret of MOSIP_WEBSUB_PREVIOUS_SECRETS'
          )
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
}
