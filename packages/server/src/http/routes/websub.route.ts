import type { FastifyInstance } from 'fastify'
import { verifyHubSignature } from '../../integrations/mosip/hub-signature.js'
import type { WebsubIntakeService } from '../../pipeline/websub-intake.service.js'

export interface WebsubRouteDeps {
  topic: string
  secret: string
  deliveries: WebsubIntakeService
  clock?: () => number
}

interface DeliveryBody {
  publisher?: unknown
  topic?: unknown
  event?: { id?: unknown; transactionId?: unknown }
}

/**
 * The WebSub subscriber endpoints. Intent verification answers only for our topic; deliveries
 * are authenticated by X-Hub-Signature over the raw bytes, stored, and acknowledged with 2xx —
 * every further step runs as a job. Never answer non-2xx to an authenticated delivery because
 * of our own processing: the hub would stop delivering to us.
 */
export function registerWebsubRoutes(app: FastifyInstance, deps: WebsubRouteDeps): void {
  const now = () => new Date((deps.clock ?? Date.now)()).toISOString()

  app.get(
    '/websub/callback',
    { schema: { tags: ['websub'], hide: true } },
    async (request, reply) => {
      const query = request.query as Record<string, string | undefined>
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
      if (mode !== undefined && mode !== 'subscribe' && mode !== 'unsubscribe') {
        return reply.status(404).type('text/plain').send(`unknown hub.mode ${mode}`)
      }
      const topic = query['hub.topic']
      if (topic !== undefined && topic !== deps.topic) {
        request.log.warn({ topic }, 'intent verification for a topic we did not ask for')
        return reply.status(404).type('text/plain').send('not subscribed to this topic')
      }
      return reply.status(200).type('text/plain').send(challenge)
    }
  )

  app.post(
    '/websub/callback',
    { schema: { tags: ['websub'], hide: true } },
    async (request, reply) => {
      if (!verifyHubSignature(request.headers['x-hub-signature'], request.rawBytes, deps.secret)) {
        request.log.warn('websub delivery refused: X-Hub-Signature missing or wrong')
        return reply.status(401).send({ error: 'Invalid X-Hub-Signature' })
      }
      const body = (request.body ?? {}) as DeliveryBody
      const receipt = await deps.deliveries.receive(request.rawBytes!, body)
      request.log.info(
        { mosipEventId: receipt.eventId, duplicate: receipt.duplicate, usable: receipt.usable },
        receipt.duplicate ? 'websub delivery already received' : 'websub delivery stored'
      )
      const event = body.event ?? {}
      return reply.status(200).send({
        publisher: body.publisher,
        topic: body.topic,
        publishedOn: now(),
        event: {
          id: event.id,
          requestId: event.transactionId,
          timestamp: now(),
          status: receipt.usable ? 'RECEIVED' : 'ERROR',
          url: ''
        }
      })
    }
  )
}
