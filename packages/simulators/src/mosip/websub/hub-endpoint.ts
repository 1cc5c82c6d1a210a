/**
 * The hub's one HTTP endpoint, `POST <path>`, dispatching on `hub.mode`:
 *
 * - `subscribe` / `unsubscribe` (form): the `Authorization` cookie is checked first (500
 *   `hub.mode=denied&hub.reason=…`), then 202 at once; validation and intent verification follow.
 * - `publish`: form, JSON or text content; a refused publisher gets 200 with a `denied` body.
 * - `register` / `deregister`: topics; deregistering stops the topic's consumers.
 *
 * With a JSON, XML, octet-stream or plain-text content type, `hub.mode` and `hub.topic` are read
 * from the query string.
 */
import { randomUUID } from 'node:crypto'
import { WEBSUB_DEFAULT_LEASE_SECONDS } from '@mosip-bridge/contracts'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { SimServer } from '../../shared/sim-server.js'
import type { WebsubTokenCheck } from './hub-types.js'
import type { Intent, SubscriptionRegistry } from './subscription-registry.js'
import type { TopicLogs } from './topic-log.js'
import { ballerinaJsonString, eventIdOf, isAuthorizedFor, tokenFromCookieHeader } from './wire.js'

/** Service name of the hub's routes on the SimServer (faults, request log). */
export const WEBSUB_HUB_SERVICE = 'websub-hub'

const FORM = 'application/x-www-form-urlencoded'
const QUERY_MODE_TYPES = [
  'application/json',
  'application/xml',
  'application/octet-stream',
  'text/plain'
]

type Params = Record<string, string | undefined>

/** What the endpoint needs of the hub. */
interface HubEndpointTarget {
  path: string
  /** Checks the auth-manager token taken from the `Authorization` cookie. */
  verifyToken: (token: string) => WebsubTokenCheck
  topics: TopicLogs
  registry: SubscriptionRegistry
  /** Appends a message to a topic and wakes the topic's consumers; returns the offset. */
  append: (topic: string, body: string, eventId: string | undefined) => number
  /** Validates and verifies an accepted intent in the background. */
  verifyIntent: (intent: Intent) => void
}

export function registerHubEndpoint(sim: SimServer, target: HubEndpointTarget): void {
  sim.app.post(target.path, { config: { service: WEBSUB_HUB_SERVICE } }, (request, reply) =>
    handle(target, request, reply)
  )
}

async function handle(
  target: HubEndpointTarget,
  request: FastifyRequest,
  reply: FastifyReply
): Promise<FastifyReply> {
  const contentType = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase()
  let params: Params
  if (contentType === FORM) {
    params = (request.body ?? {}) as Params
  } else if (contentType !== undefined && QUERY_MODE_TYPES.includes(contentType)) {
    const query = request.query as Params
    for (const key of ['hub.mode', 'hub.topic']) {
      if (!query[key]) return text(reply, 400, `Empty value found for parameter '${key}'`)
    }
    params = { 'hub.mode': query['hub.mode'], 'hub.topic': query['hub.topic'] }
  } else {
    return text(
      reply,
      400,
      'Endpoint only supports content type of application/x-www-form-urlencoded, ' +
        'application/json, application/xml, application/octet-stream and text/plain'
    )
  }

  switch (params['hub.mode']) {
    case 'subscribe':
    case 'unsubscribe':
      return handleIntent(target, params['hub.mode'], params, request, reply)
    case 'publish':
      return handlePublish(target, params, contentType, request, reply)
    case 'register':
    case 'deregister':
      return handleTopicRegistration(target, params['hub.mode'], params, request, reply)
    default:
      return text(reply, 400, 'The request does not include valid `hub.mode` form param.')
  }
}

function handleIntent(
  target: HubEndpointTarget,
  mode: 'subscribe' | 'unsubscribe',
  params: Params,
  request: FastifyRequest,
  reply: FastifyReply
): FastifyReply {
  const topic = params['hub.topic']
  if (!topic) return text(reply, 400, "Empty value found for parameter 'hub.topic'")
  const callback = params['hub.callback']
  if (!callback) return text(reply, 400, "Empty value found for parameter 'hub.callback'")
  const auth = authorize(target, 'subscribe', request, topic)
  if (!auth.ok) return denied(reply, 500, auth.reason)

  const lease = Number.parseInt(params['hub.lease_seconds'] ?? '', 10)
  const intent: Intent = {
    id: randomUUID(),
    mode,
    topic,
    callback,
    secret: mode === 'subscribe' ? params['hub.secret'] : undefined,
    leaseSeconds: Number.isSafeInteger(lease) ? lease : WEBSUB_DEFAULT_LEASE_SECONDS,
    at: Date.now()
  }
  void reply.code(202).send()
  target.verifyIntent(intent)
  return reply
}

function handlePublish(
  target: HubEndpointTarget,
  params: Params,
  contentType: string,
  request: FastifyRequest,
  reply: FastifyReply
): FastifyReply {
  const topic = params['hub.topic']
  if (!topic) return text(reply, 400, "Empty value found for parameter 'hub.topic'")
  const auth = authorize(target, 'publish', request, topic)
  // The 1.2.0 websubhub answers a refused publish with 200 and a `denied` body.
  if (!auth.ok) return denied(reply, 200, auth.reason)
  let content: unknown
  if (contentType === 'application/json') content = request.body ?? null
  else if (contentType === 'text/plain') content = request.rawBody ?? ''
  else if (contentType === FORM) content = request.body ?? {}
  else return text(reply, 400, 'Requested content type is not supported')
  target.append(topic, ballerinaJsonString(content), eventIdOf(content))
  return accepted(reply)
}

function handleTopicRegistration(
  target: HubEndpointTarget,
  mode: 'register' | 'deregister',
  params: Params,
  request: FastifyRequest,
  reply: FastifyReply
): FastifyReply {
  const topic = params['hub.topic']
  if (!topic) return text(reply, 400, "Empty value found for parameter 'hub.topic'")
  const auth = authorize(target, 'publish', request, topic)
  if (!auth.ok) return denied(reply, 200, auth.reason)
  const log = target.topics.get(topic)
  if (mode === 'register') {
    if (log?.registered) return denied(reply, 200, 'Topic has already registered with the Hub')
    target.topics.ensure(topic)
    return accepted(reply)
  }
  if (!log?.registered) return denied(reply, 200, 'Topic has not been registered in the Hub')
  log.registered = false
  for (const sub of target.registry.onTopic(topic)) {
    if (sub.running) target.registry.stop(sub, 'topic deregistered')
  }
  return accepted(reply)
}

function authorize(
  target: HubEndpointTarget,
  action: 'subscribe' | 'publish',
  request: FastifyRequest,
  topic: string
): { ok: true } | { ok: false; reason: string } {
  const found = tokenFromCookieHeader(request.headers.cookie)
  if (!found.ok) return found
  let verdict: WebsubTokenCheck
  try {
    verdict = target.verifyToken(found.token)
  } catch {
    verdict = false
  }
  const refused = {
    ok: false as const,
    reason: action === 'subscribe' ? 'Subscriber is not authorized' : 'Publisher is not authorized'
  }
  if (verdict === true) return { ok: true }
  if (verdict === false) return refused
  return isAuthorizedFor(action, topic, verdict) ? { ok: true } : refused
}

function text(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('text/plain').send(message)
}

function denied(reply: FastifyReply, status: number, reason: string): FastifyReply {
  return reply.code(status).type(FORM).send(`hub.mode=denied&hub.reason=${reason}`)
}

function accepted(reply: FastifyReply): FastifyReply {
  return reply.code(200).type(FORM).send('hub.mode=accepted')
}
