/**
 * Simulated MOSIP WebSub hub (`mosip/websub` kafkaHub on Ballerina websubhub), traps included
 * (mosip.md §4, §9, §11.5):
 *
 * - `POST <path>` form `hub.mode=subscribe|unsubscribe`: the `Authorization` cookie is checked
 *   first (500 `hub.mode=denied&hub.reason=…`), then 202 at once; validation and intent
 *   verification happen afterwards with a `GET <callback>?hub.mode=…&hub.challenge=…` (values not
 *   URL-encoded). Only the answer's body is compared with the challenge, not its status. A
 *   subscriber the hub is delivering to is denied (`Subscriber has already registered with the
 *   Hub`); a stopped one passes and is revived.
 * - The first subscription of a (topic, callback) is kept on re-subscribe: its secret and its
 *   Kafka offset. Unsubscribe (itself verified) is the only way to start afresh.
 * - Messages are kept per topic like a Kafka topic; a new subscription starts at the end, so
 *   events published before it are never delivered to it.
 * - Delivery: one message at a time, in order, `POST <callback>` (or `<callback>/`) with
 *   Ballerina-serialised JSON, `X-Hub-Signature` and `Link`. Connection errors and timeouts are
 *   retried (3 s, 6 s, 12 s); any non-2xx answer, or retries running out, stops delivery to that
 *   subscriber without committing. Delivery resumes from the committed offset when the hub next
 *   reloads its subscriber list — after any verified (un)subscription on the hub, not only the
 *   stopped subscriber's own re-subscribe.
 *
 * Simulator extras: scripted faults (deny, duplicate, reorder, forged signature, drop), logs of
 * deliveries and verifications, and a control API under `/_sim/websub`.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { SimServer } from '../../shared/sim-server.js'
import { registerWebsubControlApi } from './control-api.js'
import { send, type HttpOutcome } from './outbound-http.js'
import type {
  WebsubArmedFault,
  WebsubDeliveryFault,
  WebsubDeliveryRecord,
  WebsubHubOptions,
  WebsubSelector,
  WebsubSubscriptionView,
  WebsubTokenCheck,
  WebsubTopicView,
  WebsubVerificationRecord
} from './hub-types.js'
import {
  ballerinaJsonString,
  eventIdOf,
  hubQueryString,
  hubSignature,
  isAuthorizedFor,
  linkHeader,
  maskSecret,
  tokenFromCookieHeader
} from './wire.js'

/** Service name of the hub's routes on the SimServer (faults, request log). */
export const WEBSUB_HUB_SERVICE = 'websub-hub'

const DEFAULT_LEASE_SECONDS = 864_000
const DEFAULT_DENY_REASON = 'Subscription denied by the hub'
const MAX_LOG = 5_000

export type {
  WebsubArmedFault,
  WebsubDeliveryFault,
  WebsubDeliveryRecord,
  WebsubHubOptions,
  WebsubSelector,
  WebsubSubscriptionState,
  WebsubSubscriptionView,
  WebsubTokenCheck,
  WebsubTopicView,
  WebsubVerificationRecord
} from './hub-types.js'

interface StoredMessage {
  offset: number
  /** The bytes delivered (Ballerina serialisation). */
  body: string
  eventId: string | undefined
  publishedAt: number
}

interface TopicLog {
  name: string
  registered: boolean
  messages: StoredMessage[]
}

interface Subscription {
  id: string
  key: string
  topic: string
  callback: string
  secret: string | undefined
  leaseSeconds: number
  subscribedAt: number
  committed: number
  /** In the hub's subscriber cache with a consumer polling. */
  running: boolean
  /** Bumped whenever a consumer starts or stops, so a stale loop notices and exits. */
  generation: number
  stoppedReason?: string
  wake?: () => void
}

interface Intent {
  id: string
  mode: 'subscribe' | 'unsubscribe'
  topic: string
  callback: string
  secret: string | undefined
  leaseSeconds: number
  at: number
}

type Params = Record<string, string | undefined>

const FORM = 'application/x-www-form-urlencoded'
const QUERY_MODE_TYPES = [
  'application/json',
  'application/xml',
  'application/octet-stream',
  'text/plain'
]

/** The hub's Kafka names: every non-alphanumeric character becomes `_` (so `a/b` and `a_b` share). */
function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9]/g, '_')
}

function subscriberKey(topic: string, callback: string): string {
  return sanitize(`${topic}:::${callback}`)
}

function matches(selector: WebsubSelector, topic: string, callback: string): boolean {
  return (
    (selector.topic === undefined || selector.topic === topic) &&
    (selector.callback === undefined || selector.callback === callback)
  )
}

export class WebsubHub {
  readonly path: string
  private readonly sim: SimServer
  private readonly verifyToken: (token: string) => WebsubTokenCheck
  private readonly configuredHubUrl: string | undefined
  private readonly deliveryTimeoutMs: number
  private readonly retryDelaysMs: readonly number[]
  private readonly verificationDelayMs: number
  private readonly verificationTimeoutMs: number
  private readonly verificationRetryDelaysMs: readonly number[]
  private readonly defaultTrailingSlash: boolean
  private readonly commitMode: 'message' | 'poll-batch'
  private readonly maxPollRecords: number
  private readonly resubscribeSecret: 'first' | 'last'

  private readonly topics = new Map<string, TopicLog>()
  private readonly subs = new Map<string, Subscription>()
  private readonly intents = new Map<string, Intent>()
  private faults: WebsubArmedFault[] = []
  private trailingSlashRules: Array<WebsubSelector & { enabled: boolean }> = []
  private deliveryLog: WebsubDeliveryRecord[] = []
  private verificationLog: WebsubVerificationRecord[] = []

  private closed = false
  private readonly abort = new AbortController()
  private readonly timers = new Map<NodeJS.Timeout, (value: boolean) => void>()
  private readonly tasks = new Set<Promise<void>>()

  constructor(sim: SimServer, options: WebsubHubOptions) {
    this.sim = sim
    this.verifyToken = options.verifyToken
    this.path = options.path ?? '/websub/hub'
    this.configuredHubUrl = options.hubUrl
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 10_000
    this.retryDelaysMs = options.retryDelaysMs ?? [3_000, 6_000, 12_000]
    this.verificationDelayMs = options.verificationDelayMs ?? 0
    this.verificationTimeoutMs = options.verificationTimeoutMs ?? 10_000
    this.verificationRetryDelaysMs = options.verificationRetryDelaysMs ?? [3_000, 6_000, 12_000]
    this.defaultTrailingSlash = options.trailingSlash ?? false
    this.commitMode = options.commitMode ?? 'message'
    this.maxPollRecords = Math.max(1, options.maxPollRecords ?? 50)
    this.resubscribeSecret = options.resubscribeSecret ?? 'first'

    sim.app.post(this.path, { config: { service: WEBSUB_HUB_SERVICE } }, (request, reply) =>
      this.handle(request, reply)
    )
    registerWebsubControlApi(sim, this, options.controlPrefix ?? '/_sim/websub')
    sim.app.addHook('onClose', async () => this.close())
  }

  /** The hub URL advertised in `Link`. */
  get hubUrl(): string {
    return this.configuredHubUrl ?? `${this.sim.url}${this.path}`
  }

  // -------------------------------------------------------------------------------------------
  // Publishing

  /**
   * Publishes an event (what credential-service does through `hub.mode=publish`). The topic is
   * registered if new. Throws if the event is not JSON or the hub is closed.
   */
  publish(topic: string, event: unknown): void {
    this.publishAt(topic, event)
  }

  /** `publish`, returning the message's offset on the topic. */
  publishAt(topic: string, event: unknown): number {
    if (this.closed) throw new Error('the WebSub hub is closed')
    return this.append(topic, ballerinaJsonString(event), eventIdOf(event))
  }

  private append(topic: string, body: string, eventId: string | undefined): number {
    const log = this.ensureTopic(topic)
    const offset = log.messages.length
    log.messages.push({ offset, body, eventId, publishedAt: Date.now() })
    for (const sub of this.subs.values()) {
      if (sanitize(sub.topic) === log.name) this.wake(sub)
    }
    return offset
  }

  private ensureTopic(topic: string): TopicLog {
    const name = sanitize(topic)
    let log = this.topics.get(name)
    if (!log) {
      log = { name, registered: true, messages: [] }
      this.topics.set(name, log)
    }
    log.registered = true
    return log
  }

  // -------------------------------------------------------------------------------------------
  // The hub endpoint

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
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
        if (!query[key]) return this.text(reply, 400, `Empty value found for parameter '${key}'`)
      }
      params = { 'hub.mode': query['hub.mode'], 'hub.topic': query['hub.topic'] }
    } else {
      return this.text(
        reply,
        400,
        'Endpoint only supports content type of application/x-www-form-urlencoded, ' +
          'application/json, application/xml, application/octet-stream and text/plain'
      )
    }

    switch (params['hub.mode']) {
      case 'subscribe':
      case 'unsubscribe':
        return this.handleIntent(params['hub.mode'], params, request, reply)
      case 'publish':
        return this.handlePublish(params, contentType, request, reply)
      case 'register':
      case 'deregister':
        return this.handleTopicRegistration(params['hub.mode'], params, request, reply)
      default:
        return this.text(reply, 400, 'The request does not include valid `hub.mode` form param.')
    }
  }

  private handleIntent(
    mode: 'subscribe' | 'unsubscribe',
    params: Params,
    request: FastifyRequest,
    reply: FastifyReply
  ): FastifyReply {
    const topic = params['hub.topic']
    if (!topic) return this.text(reply, 400, "Empty value found for parameter 'hub.topic'")
    const callback = params['hub.callback']
    if (!callback) return this.text(reply, 400, "Empty value found for parameter 'hub.callback'")
    const auth = this.authorize('subscribe', request, topic)
    if (!auth.ok) return this.denied(reply, 500, auth.reason)

    const lease = Number.parseInt(params['hub.lease_seconds'] ?? '', 10)
    const intent: Intent = {
      id: randomUUID(),
      mode,
      topic,
      callback,
      secret: mode === 'subscribe' ? params['hub.secret'] : undefined,
      leaseSeconds: Number.isSafeInteger(lease) ? lease : DEFAULT_LEASE_SECONDS,
      at: Date.now()
    }
    void reply.code(202).send()
    this.track(this.processIntent(intent))
    return reply
  }

  private handlePublish(
    params: Params,
    contentType: string,
    request: FastifyRequest,
    reply: FastifyReply
  ): FastifyReply {
    const topic = params['hub.topic']
    if (!topic) return this.text(reply, 400, "Empty value found for parameter 'hub.topic'")
    const auth = this.authorize('publish', request, topic)
    // The 1.2.0 websubhub answers a refused publish with 200 and a `denied` body.
    if (!auth.ok) return this.denied(reply, 200, auth.reason)
    let content: unknown
    if (contentType === 'application/json') content = request.body ?? null
    else if (contentType === 'text/plain') content = request.rawBody ?? ''
    else if (contentType === FORM) content = request.body ?? {}
    else return this.text(reply, 400, 'Requested content type is not supported')
    this.append(topic, ballerinaJsonString(content), eventIdOf(content))
    return this.accepted(reply)
  }

  private handleTopicRegistration(
    mode: 'register' | 'deregister',
    params: Params,
    request: FastifyRequest,
    reply: FastifyReply
  ): FastifyReply {
    const topic = params['hub.topic']
    if (!topic) return this.text(reply, 400, "Empty value found for parameter 'hub.topic'")
    const auth = this.authorize('publish', request, topic)
    if (!auth.ok) return this.denied(reply, 200, auth.reason)
    const log = this.topics.get(sanitize(topic))
    if (mode === 'register') {
      if (log?.registered)
        return this.denied(reply, 200, 'Topic has already registered with the Hub')
      this.ensureTopic(topic)
      return this.accepted(reply)
    }
    if (!log?.registered) return this.denied(reply, 200, 'Topic has not been registered in the Hub')
    log.registered = false
    for (const sub of this.subs.values()) {
      if (sanitize(sub.topic) === log.name && sub.running)
        this.stopConsumer(sub, 'topic deregistered')
    }
    return this.accepted(reply)
  }

  private authorize(
    action: 'subscribe' | 'publish',
    request: FastifyRequest,
    topic: string
  ): { ok: true } | { ok: false; reason: string } {
    const found = tokenFromCookieHeader(request.headers.cookie)
    if (!found.ok) return found
    let verdict: WebsubTokenCheck
    try {
      verdict = this.verifyToken(found.token)
    } catch {
      verdict = false
    }
    const refused = {
      ok: false as const,
      reason:
        action === 'subscribe' ? 'Subscriber is not authorized' : 'Publisher is not authorized'
    }
    if (verdict === true) return { ok: true }
    if (verdict === false) return refused
    return isAuthorizedFor(action, topic, verdict) ? { ok: true } : refused
  }

  private text(reply: FastifyReply, status: number, message: string): FastifyReply {
    return reply.code(status).type('text/plain').send(message)
  }

  private denied(reply: FastifyReply, status: number, reason: string): FastifyReply {
    return reply.code(status).type(FORM).send(`hub.mode=denied&hub.reason=${reason}`)
  }

  private accepted(reply: FastifyReply): FastifyReply {
    return reply.code(200).type(FORM).send('hub.mode=accepted')
  }

  // -------------------------------------------------------------------------------------------
  // Validation and intent verification (after the 202)

  private async processIntent(intent: Intent): Promise<void> {
    this.intents.set(intent.id, intent)
    try {
      if (!(await this.delay(this.verificationDelayMs))) return
      const reason = this.validate(intent)
      if (reason !== undefined) {
        const outcome = await this.notify(intent.callback, [
          ['hub.mode', 'denied'],
          ['hub.topic', intent.topic],
          ['hub.reason', reason]
        ])
        if (this.closed) return
        this.recordVerification(intent, 'denied', {
          reason,
          status: outcome.kind === 'response' ? outcome.status : undefined
        })
        return
      }
      const challenge = randomUUID()
      const params: Array<[string, string]> = [
        ['hub.mode', intent.mode],
        ['hub.topic', intent.topic],
        ['hub.challenge', challenge]
      ]
      if (intent.mode === 'subscribe')
        params.push(['hub.lease_seconds', String(intent.leaseSeconds)])
      const outcome = await this.notify(intent.callback, params)
      if (this.closed) return
      if (outcome.kind === 'error') {
        this.recordVerification(intent, 'error', { reason: outcome.error })
        return
      }
      // Ballerina compares the body only: a 404 whose body is the challenge still verifies.
      if (outcome.body !== challenge) {
        this.recordVerification(intent, 'mismatch', { status: outcome.status })
        return
      }
      if (intent.mode === 'subscribe') this.persist(intent)
      else this.remove(intent)
      this.recordVerification(intent, 'verified', { status: outcome.status })
      this.reloadSubscribers()
    } finally {
      this.intents.delete(intent.id)
    }
  }

  /** The kafkaHub's `onSubscriptionValidation` / `onUnsubscriptionValidation`. */
  private validate(intent: Intent): string | undefined {
    const deny = this.takeFault('deny', intent.topic, intent.callback)
    if (deny) return deny.reason ?? DEFAULT_DENY_REASON
    const key = subscriberKey(intent.topic, intent.callback)
    if (intent.mode === 'subscribe') {
      this.ensureTopic(intent.topic)
      if (this.subs.get(key)?.running) return 'Subscriber has already registered with the Hub'
      return undefined
    }
    if (!this.topics.get(sanitize(intent.topic))?.registered)
      return `Topic [${intent.topic}] is not registered with the Hub`
    if (!this.subs.get(key)?.running)
      return `Could not find a valid subscriber for Topic [${intent.topic}] and Callback [${intent.callback}]`
    return undefined
  }

  /** GET `<callback>?…`; connection errors are retried, any HTTP answer is final. */
  private async notify(callback: string, params: Array<[string, string]>): Promise<HttpOutcome> {
    let url: URL
    try {
      url = new URL(callback)
    } catch {
      return { kind: 'error', error: `invalid hub.callback ${callback}`, code: 'EINVAL' }
    }
    const target = `${url.pathname}${url.search}${hubQueryString(url.search, params)}`
    for (let attempt = 0; ; attempt++) {
      const outcome = await send({
        method: 'GET',
        url,
        target,
        timeoutMs: this.verificationTimeoutMs,
        signal: this.abort.signal
      })
      if (outcome.kind === 'response' || outcome.code === 'EINVAL' || this.closed) return outcome
      const wait = this.verificationRetryDelaysMs[attempt]
      if (wait === undefined || !(await this.delay(wait))) return outcome
    }
  }

  private persist(intent: Intent): void {
    const key = subscriberKey(intent.topic, intent.callback)
    const existing = this.subs.get(key)
    if (existing) {
      // The consolidator keeps the first entry: secret, lease and consumer group (offset).
      if (this.resubscribeSecret === 'last') {
        existing.secret = intent.secret
        existing.leaseSeconds = intent.leaseSeconds
      }
      return
    }
    // A new consumer group starts at Kafka's `latest`: nothing published before is delivered.
    const log = this.ensureTopic(intent.topic)
    this.subs.set(key, {
      id: randomUUID(),
      key,
      topic: intent.topic,
      callback: intent.callback,
      secret: intent.secret,
      leaseSeconds: intent.leaseSeconds,
      subscribedAt: Date.now(),
      committed: log.messages.length,
      running: false,
      generation: 0
    })
  }

  private remove(intent: Intent): void {
    const key = subscriberKey(intent.topic, intent.callback)
    const sub = this.subs.get(key)
    if (!sub) return
    this.subs.delete(key)
    this.stopConsumer(sub, 'unsubscribed')
  }

  /**
   * `syncSubscribersCache` → `startMissingSubscribers`: runs whenever the consolidated subscriber
   * list changes, and starts a consumer for every persisted subscriber not in the cache — stopped
   * ones included, whoever caused the change.
   */
  private reloadSubscribers(): void {
    for (const sub of this.subs.values()) {
      if (sub.running) continue
      sub.running = true
      sub.generation += 1
      delete sub.stoppedReason
      this.track(this.runConsumer(sub, sub.generation))
    }
  }

  private stopConsumer(sub: Subscription, reason: string): void {
    sub.running = false
    sub.generation += 1
    sub.stoppedReason = reason
    this.wake(sub)
  }

  // -------------------------------------------------------------------------------------------
  // Content delivery

  private async runConsumer(sub: Subscription, generation: number): Promise<void> {
    const alive = () =>
      !this.closed && sub.running && sub.generation === generation && this.subs.get(sub.key) === sub
    let position = sub.committed
    while (alive()) {
      const log = this.topics.get(sanitize(sub.topic))
      if (!log?.registered) {
        this.stopConsumer(sub, 'topic not registered')
        return
      }
      const wanted = this.peekFault('reorder', sub) ? 2 : 1
      if (log.messages.length - position < wanted) {
        await this.waitForMessages(sub)
        continue
      }
      const batchStart = position
      const batch = log.messages.slice(position, position + this.maxPollRecords)
      let index = 0
      while (index < batch.length) {
        if (!alive()) return
        const message = batch[index] as StoredMessage
        const next = batch[index + 1]
        let sends: StoredMessage[] = [message]
        let fault: WebsubDeliveryFault | undefined
        let consumed = 1
        if (this.takeFault('drop', sub.topic, sub.callback)) {
          this.recordDelivery(sub, message, {
            attempt: 0,
            status: null,
            outcome: 'dropped',
            fault: 'drop'
          })
          sends = []
        } else if (next && this.takeFault('reorder', sub.topic, sub.callback)) {
          sends = [next, message]
          fault = 'reorder'
          consumed = 2
        } else if (this.takeFault('duplicate', sub.topic, sub.callback)) {
          sends = [message, message]
          fault = 'duplicate'
        }
        for (const item of sends) {
          const result = await this.deliver(sub, item, fault, alive)
          if (result === 'gone') return
          if (result !== 'ok') {
            if (alive()) this.stopConsumer(sub, result)
            return
          }
        }
        // A consumer closed meanwhile (unsubscribe, topic deregistered) cannot commit any more.
        if (!alive()) return
        index += consumed
        position += consumed
        // Kafka `commit()` commits what the last poll returned, not just this message.
        sub.committed = this.commitMode === 'poll-batch' ? batchStart + batch.length : position
      }
      if (this.commitMode === 'poll-batch') position = sub.committed
    }
  }

  /** Delivers one message with the retry policy: 'ok', 'gone' (consumer ended), or why it failed. */
  private async deliver(
    sub: Subscription,
    message: StoredMessage,
    fault: WebsubDeliveryFault | undefined,
    alive: () => boolean
  ): Promise<'ok' | 'gone' | string> {
    let url: URL
    try {
      url = new URL(sub.callback)
    } catch {
      return `invalid callback ${sub.callback}`
    }
    const trailingSlash = this.trailingSlashFor(sub)
    const pathname =
      trailingSlash && !url.pathname.endsWith('/') ? `${url.pathname}/` : url.pathname
    const target = `${pathname}${url.search}`
    const body = Buffer.from(message.body, 'utf8')
    const forged = this.takeFault('forge-signature', sub.topic, sub.callback)
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      link: linkHeader(this.hubUrl, sub.topic)
    }
    if (forged) headers['x-hub-signature'] = hubSignature(`forged-${randomUUID()}`, body)
    else if (sub.secret !== undefined) headers['x-hub-signature'] = hubSignature(sub.secret, body)
    const used = forged ? 'forge-signature' : fault
    const shownUrl = `${url.origin}${target}`

    for (let attempt = 1; ; attempt++) {
      const outcome = await send({
        method: 'POST',
        url,
        target,
        headers,
        body,
        timeoutMs: this.deliveryTimeoutMs,
        signal: this.abort.signal
      })
      if (this.closed) return 'gone'
      if (outcome.kind === 'response') {
        const ok = outcome.status >= 200 && outcome.status < 300
        this.recordDelivery(sub, message, {
          url: shownUrl,
          attempt,
          status: outcome.status,
          outcome: ok ? 'delivered' : 'rejected',
          fault: used
        })
        if (ok) return 'ok'
        return outcome.status === 410
          ? 'subscriber answered 410 (subscription deleted; not unsubscribed)'
          : `subscriber answered ${outcome.status}`
      }
      this.recordDelivery(sub, message, {
        url: shownUrl,
        attempt,
        status: null,
        error: `${outcome.code}: ${outcome.error}`,
        outcome: 'failed',
        fault: used
      })
      const wait = this.retryDelaysMs[attempt - 1]
      if (wait === undefined) return `delivery failed after ${attempt} attempts: ${outcome.code}`
      if (!(await this.delay(wait))) return 'gone'
      if (!alive()) return 'gone'
    }
  }

  private waitForMessages(sub: Subscription): Promise<void> {
    return new Promise((resolve) => {
      sub.wake = resolve
    })
  }

  private wake(sub: Subscription): void {
    const wake = sub.wake
    delete sub.wake
    wake?.()
  }

  private trailingSlashFor(sub: Subscription): boolean {
    let enabled = this.defaultTrailingSlash
    for (const rule of this.trailingSlashRules) {
      if (matches(rule, sub.topic, sub.callback)) enabled = rule.enabled
    }
    return enabled
  }

  // -------------------------------------------------------------------------------------------
  // Faults

  /** The next intent verification on `topic` gets `hub.mode=denied` instead of a challenge. */
  denyNext(topic: string, reason?: string, callback?: string): void {
    this.arm({ kind: 'deny', topic, callback, reason })
  }

  /** The next delivery (matching the selector) is sent twice before it is committed. */
  duplicateNext(selector: WebsubSelector = {}): void {
    this.arm({ kind: 'duplicate', ...selector })
  }

  /**
   * The next two messages (matching the selector) are delivered swapped. The subscriber waits
   * until two messages are there.
   */
  reorderNext(selector: WebsubSelector = {}): void {
    this.arm({ kind: 'reorder', ...selector })
  }

  /** The next delivery is signed with a wrong key (a signature is sent even without a secret). */
  forgeSignatureNext(selector: WebsubSelector = {}): void {
    this.arm({ kind: 'forge-signature', ...selector })
  }

  /** The next message is skipped silently and committed as if delivered. */
  dropNext(selector: WebsubSelector = {}): void {
    this.arm({ kind: 'drop', ...selector })
  }

  /** Faults armed and not yet used, oldest first. */
  armedFaults(): WebsubArmedFault[] {
    return this.faults.map((fault) => ({ ...fault }))
  }

  clearFaults(): void {
    this.faults = []
    for (const sub of this.subs.values()) this.wake(sub)
  }

  /** POST to `<callback>/` (as the 1.2.0 hub does) for the matching subscribers, or stop doing so. */
  setTrailingSlash(enabled: boolean, selector: WebsubSelector = {}): void {
    this.trailingSlashRules.push({ ...selector, enabled })
  }

  private arm(fault: WebsubArmedFault): void {
    const clean: WebsubArmedFault = { kind: fault.kind }
    if (fault.topic !== undefined) clean.topic = fault.topic
    if (fault.callback !== undefined) clean.callback = fault.callback
    if (fault.reason !== undefined) clean.reason = fault.reason
    this.faults.push(clean)
    for (const sub of this.subs.values()) this.wake(sub)
  }

  private peekFault(kind: WebsubArmedFault['kind'], sub: Subscription): boolean {
    return this.faults.some(
      (fault) => fault.kind === kind && matches(fault, sub.topic, sub.callback)
    )
  }

  private takeFault(
    kind: WebsubArmedFault['kind'],
    topic: string,
    callback: string
  ): WebsubArmedFault | undefined {
    const index = this.faults.findIndex(
      (fault) => fault.kind === kind && matches(fault, topic, callback)
    )
    if (index < 0) return undefined
    const [taken] = this.faults.splice(index, 1)
    // A subscriber holding back for a reorder it no longer gets must look again.
    if (kind === 'reorder') for (const sub of this.subs.values()) this.wake(sub)
    return taken
  }

  // -------------------------------------------------------------------------------------------
  // Inspection

  /** Persisted subscriptions (active or stopped) and subscribe intents not verified yet. */
  subscriptions(): WebsubSubscriptionView[] {
    const views: WebsubSubscriptionView[] = []
    for (const sub of this.subs.values()) {
      const length = this.topics.get(sanitize(sub.topic))?.messages.length ?? 0
      const view: WebsubSubscriptionView = {
        id: sub.id,
        topic: sub.topic,
        callback: sub.callback,
        state: sub.running ? 'active' : 'stopped',
        offset: sub.committed,
        undelivered: Math.max(0, length - sub.committed),
        secret: maskSecret(sub.secret),
        leaseSeconds: sub.leaseSeconds,
        trailingSlash: this.trailingSlashFor(sub),
        subscribedAt: sub.subscribedAt
      }
      if (sub.stoppedReason !== undefined) view.stoppedReason = sub.stoppedReason
      views.push(view)
    }
    for (const intent of this.intents.values()) {
      if (intent.mode !== 'subscribe') continue
      if (this.subs.has(subscriberKey(intent.topic, intent.callback))) continue
      views.push({
        id: intent.id,
        topic: intent.topic,
        callback: intent.callback,
        state: 'pending',
        offset: null,
        undelivered: 0,
        secret: maskSecret(intent.secret),
        leaseSeconds: intent.leaseSeconds,
        trailingSlash: this.defaultTrailingSlash,
        subscribedAt: null
      })
    }
    return views
  }

  /** Delivery attempts, oldest first, optionally for one topic and/or callback. */
  deliveries(selector: WebsubSelector = {}): WebsubDeliveryRecord[] {
    return this.deliveryLog.filter((record) => matches(selector, record.topic, record.callback))
  }

  /** Intent verifications and denials sent, oldest first. */
  verifications(selector: WebsubSelector = {}): WebsubVerificationRecord[] {
    return this.verificationLog.filter((record) => matches(selector, record.topic, record.callback))
  }

  topicsView(): WebsubTopicView[] {
    return [...this.topics.values()].map((log) => ({
      topic: log.name,
      registered: log.registered,
      messages: log.messages.length
    }))
  }

  clearLogs(): void {
    this.deliveryLog = []
    this.verificationLog = []
  }

  private recordDelivery(
    sub: Subscription,
    message: StoredMessage,
    details: Partial<WebsubDeliveryRecord> &
      Pick<WebsubDeliveryRecord, 'attempt' | 'status' | 'outcome'>
  ): void {
    const record: WebsubDeliveryRecord = {
      subscriptionId: sub.id,
      topic: sub.topic,
      callback: sub.callback,
      url: details.url ?? sub.callback,
      offset: message.offset,
      eventId: message.eventId,
      attempt: details.attempt,
      status: details.status,
      outcome: details.outcome,
      at: Date.now()
    }
    if (details.error !== undefined) record.error = details.error
    if (details.fault !== undefined) record.fault = details.fault
    this.deliveryLog.push(record)
    if (this.deliveryLog.length > MAX_LOG)
      this.deliveryLog.splice(0, this.deliveryLog.length - MAX_LOG)
  }

  private recordVerification(
    intent: Intent,
    outcome: WebsubVerificationRecord['outcome'],
    details: { reason?: string | undefined; status?: number | undefined }
  ): void {
    const record: WebsubVerificationRecord = {
      mode: intent.mode,
      topic: intent.topic,
      callback: intent.callback,
      outcome,
      at: Date.now()
    }
    if (details.reason !== undefined) record.reason = details.reason
    if (details.status !== undefined) record.status = details.status
    this.verificationLog.push(record)
    if (this.verificationLog.length > MAX_LOG)
      this.verificationLog.splice(0, this.verificationLog.length - MAX_LOG)
  }

  // -------------------------------------------------------------------------------------------
  // Timers and shutdown

  /** Waits `ms`; resolves false at once if the hub is (or gets) closed. */
  private delay(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        resolve(!this.closed)
      }, ms)
      this.timers.set(timer, resolve)
    })
  }

  private track(task: Promise<void>): void {
    const tracked = task.catch(() => undefined).finally(() => this.tasks.delete(tracked))
    this.tasks.add(tracked)
  }

  /** Cancels timers, in-flight requests and consumers. Called by the SimServer's close too. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true
      this.abort.abort()
      for (const [timer, resolve] of this.timers) {
        clearTimeout(timer)
        resolve(false)
      }
      this.timers.clear()
      for (const sub of this.subs.values()) this.wake(sub)
    }
    await Promise.allSettled([...this.tasks])
  }
}
