import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import {
  startRecordingServer,
  waitFor,
  type RecordedRequest,
  type RecordingServer
} from '@mosip-bridge/test-support'
import { SimServer } from '../src/shared/sim-server.js'
import { WebsubHub, type WebsubHubOptions } from '../src/mosip/websub/websub-hub.js'
import { ballerinaJsonString, tokenFromCookieHeader } from '../src/mosip/websub/wire.js'
// Until contracts/src/mosip/index.ts re-exports websub.ts, reach the schemas by path.
import {
  credentialIssuedEventSchema,
  credentialIssuedTopic,
  websubHubDeniedSchema,
  websubIntentVerificationQuerySchema,
  websubSubscriptionFormSchema
} from '@mosip-bridge/contracts'

const TOPIC = 'crvs_partner/CREDENTIAL_ISSUED'
const COOKIE = 'Authorization=good-token'

// ---------------------------------------------------------------------------------------------
// A subscriber on a real socket that records every request and answers as told.

type Answer = { status: number; body?: string; delayMs?: number }

class Subscriber {
  /** Every request received, across restarts, in arrival order. */
  readonly received: RecordedRequest[] = []
  /** Default: echo the challenge on GET, 200 on POST. */
  respond: (request: RecordedRequest) => Answer = (request) =>
    request.method === 'GET'
      ? { status: 200, body: request.query.get('hub.challenge') ?? '' }
      : { status: 200, body: '{}' }
  private server: RecordingServer | undefined
  port = 0

  constructor(private readonly path = '/websub/callback') {}

  get callback(): string {
    return `http://127.0.0.1:${this.port}${this.path}`
  }

  async start(): Promise<void> {
    this.server = await startRecordingServer(
      (request, response) => {
        this.received.push(request)
        const answer = this.respond(request)
        const send = () => {
          if (response.destroyed) return
          response.writeHead(answer.status, { 'content-type': 'text/plain' })
          response.end(answer.body ?? '')
        }
        // Pacing only: a subscriber that answers late, for the hub's timeout to act on.
        if (answer.delayMs) setTimeout(send, answer.delayMs)
        else send()
      },
      { port: this.port }
    )
    this.port = this.server.port
  }

  /** Stops listening: connections are refused until start() again (same port). */
  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    await server?.close()
  }

  gets(): RecordedRequest[] {
    return this.received.filter((r) => r.method === 'GET')
  }

  posts(): RecordedRequest[] {
    return this.received.filter((r) => r.method === 'POST')
  }

  /** `event.id` of every delivery received, in arrival order. */
  eventIds(): string[] {
    return this.posts().map((post) => (JSON.parse(post.body) as { event: { id: string } }).event.id)
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

async function setup(t: TestContext, options: Partial<WebsubHubOptions> = {}) {
  const sim = new SimServer({ name: 'mosip' })
  const hub = new WebsubHub(sim, {
    verifyToken: (token) => token === 'good-token',
    retryDelaysMs: [50, 100, 200],
    verificationRetryDelaysMs: [50, 100, 200],
    ...options
  })
  const base = await sim.listen()
  const subscribers: Subscriber[] = []
  t.after(async () => {
    await sim.close()
    for (const subscriber of subscribers) await subscriber.stop()
  })
  const subscriber = async (path?: string) => {
    const created = new Subscriber(path)
    await created.start()
    subscribers.push(created)
    return created
  }
  return { sim, hub, hubUrl: `${base}${hub.path}`, base, subscriber }
}

async function hubPost(
  hubUrl: string,
  form: Record<string, string>,
  cookie: string | null = COOKIE
): Promise<{ status: number; body: string; contentType: string | null }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (cookie !== null) headers.cookie = cookie
  const response = await fetch(hubUrl, {
    method: 'POST',
    headers,
    body: new URLSearchParams(form).toString()
  })
  return {
    status: response.status,
    body: await response.text(),
    contentType: response.headers.get('content-type')
  }
}

function subscribeForm(callback: string, secret?: string, topic = TOPIC): Record<string, string> {
  const form: Record<string, string> = {
    'hub.mode': 'subscribe',
    'hub.topic': topic,
    'hub.callback': callback
  }
  if (secret !== undefined) form['hub.secret'] = secret
  return form
}

/** Subscribes and waits until the hub delivers to the subscriber. */
async function subscribeActive(
  hub: WebsubHub,
  hubUrl: string,
  subscriber: Subscriber,
  secret?: string,
  topic = TOPIC
): Promise<void> {
  const verifiedBefore = hub
    .verifications({ callback: subscriber.callback })
    .filter((v) => v.outcome === 'verified').length
  const answer = await hubPost(hubUrl, subscribeForm(subscriber.callback, secret, topic))
  assert.equal(answer.status, 202)
  await waitFor(
    'the subscription is active',
    () =>
      hub.verifications({ callback: subscriber.callback }).filter((v) => v.outcome === 'verified')
        .length > verifiedBefore &&
      hub.subscriptions().some((s) => s.callback === subscriber.callback && s.state === 'active')
  )
}

/** Waits until the subscriber got `count` deliveries and the hub has recorded their answers. */
async function waitForPosts(
  hub: WebsubHub,
  subscriber: Subscriber,
  count: number,
  what: string
): Promise<void> {
  await waitFor(
    what,
    () =>
      subscriber.posts().length === count &&
      hub.deliveries({ callback: subscriber.callback }).filter((d) => d.status !== null).length ===
        count
  )
}

function credentialIssued(id: string) {
  return {
    publisher: 'CREDENTIAL_SERVICE',
    topic: TOPIC,
    publishedOn: '2025-10-28T10:20:11.512Z',
    event: {
      id,
      transactionId: 'a6115271-3ef7-49ef-a4b4-ea9b8f26819d',
      type: { namespace: 'mosip', name: 'mosip' },
      timestamp: '2025-10-28T10:20:11.512Z',
      dataShareUri: null,
      data: {
        templateTypeCode: 'RPR_UIN_CARD_TEMPLATE',
        registrationId: '100014728301957',
        credential: 'VkVSX1IyXLUjvhOgeyICnrVpYagVQ6H4hJJ4zLFWGse6',
        proof: { signature: 'eyJ4NWMiOlsiTUlJ..sig' },
        credentialType: 'vercred',
        protectionKey: '275700',
        scores: [1, 2.5, -3]
      }
    }
  }
}

function hmac(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('hex')}`
}

function subscriptionOf(hub: WebsubHub, subscriber: Subscriber) {
  return hub.subscriptions().find((s) => s.callback === subscriber.callback)
}

// ---------------------------------------------------------------------------------------------

describe('WebSub hub: subscribe, unsubscribe and intent verification', () => {
  it('refuses subscribe without a valid Authorization cookie with 500 hub.mode=denied', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    const form = subscribeForm(sub.callback, 'secret-1')

    const missing = await hubPost(hubUrl, form, null)
    assert.equal(missing.status, 500)
    assert.match(missing.contentType ?? '', /^application\/x-www-form-urlencoded/)
    assert.equal(missing.body, 'hub.mode=denied&hub.reason=Authorization token cannot be found')
    assert.deepEqual(Object.fromEntries(new URLSearchParams(missing.body)), {
      'hub.mode': 'denied',
      'hub.reason': 'Authorization token cannot be found'
    })
    assert.ok(
      websubHubDeniedSchema.safeParse(Object.fromEntries(new URLSearchParams(missing.body))).success
    )

    const invalid = await hubPost(hubUrl, form, 'Authorization=stolen-token')
    assert.equal(invalid.status, 500)
    assert.equal(invalid.body, 'hub.mode=denied&hub.reason=Subscriber is not authorized')

    // The hub splits the Cookie header on "; " exactly.
    const noSpace = await hubPost(hubUrl, form, 'lang=en;Authorization=good-token')
    assert.equal(noSpace.body, 'hub.mode=denied&hub.reason=Authorization token cannot be found')

    // An Authorization header is ignored: only the cookie counts.
    const headerOnly = await fetch(hubUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'good-token'
      },
      body: new URLSearchParams(form).toString()
    })
    assert.equal(headerOnly.status, 500)

    const missingCallback = await hubPost(hubUrl, { 'hub.mode': 'subscribe', 'hub.topic': TOPIC })
    assert.equal(missingCallback.status, 400)
    assert.equal(missingCallback.body, "Empty value found for parameter 'hub.callback'")
    assert.equal((await hubPost(hubUrl, { 'hub.mode': 'nonsense' })).status, 400)

    // None of these reached verification; OpenCRVS's `Authorization=<jwt>;` form is accepted.
    assert.equal(hub.verifications().length, 0)
    assert.equal((await hubPost(hubUrl, form, 'lang=en; Authorization=good-token;')).status, 202)
    await waitFor('active', () => subscriptionOf(hub, sub)?.state === 'active')
    assert.equal(sub.gets().length, 1)
  })

  it('checks partner-topic roles when the token check returns an identity', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t, {
      verifyToken: (token) =>
        token === 'crvs'
          ? {
              userId: 'service-account-crvs_partner',
              roles: ['SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL']
            }
          : false
    })
    const sub = await subscriber()
    const cookie = 'Authorization=crvs'
    const foreign = await hubPost(
      hubUrl,
      subscribeForm(sub.callback, 's', 'other_partner/CREDENTIAL_ISSUED'),
      cookie
    )
    assert.equal(foreign.status, 500)
    assert.equal(foreign.body, 'hub.mode=denied&hub.reason=Subscriber is not authorized')
    const general = await hubPost(
      hubUrl,
      subscribeForm(sub.callback, 's', 'REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT'),
      cookie
    )
    assert.equal(general.status, 500)
    const own = await hubPost(hubUrl, subscribeForm(sub.callback, 's'), cookie)
    assert.equal(own.status, 202)
    await waitFor('active', () => subscriptionOf(hub, sub)?.state === 'active')
  })

  it('answers 202 at once, then verifies intent with a GET challenge before activating', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t, { verificationDelayMs: 100 })
    const sub = await subscriber()
    const answer = await hubPost(hubUrl, subscribeForm(sub.callback, 'secret-1'))
    assert.equal(answer.status, 202)
    assert.equal(answer.body, '')
    assert.equal(subscriptionOf(hub, sub)?.state, 'pending')
    assert.equal(sub.received.length, 0)

    await waitFor('active', () => subscriptionOf(hub, sub)?.state === 'active')
    const [get] = sub.gets()
    assert.ok(get)
    const query = websubIntentVerificationQuerySchema.parse(Object.fromEntries(get.query))
    assert.equal(query['hub.mode'], 'subscribe')
    assert.equal(query['hub.topic'], TOPIC)
    assert.ok(query['hub.mode'] === 'subscribe')
    assert.match(
      query['hub.challenge'],
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    )
    assert.equal(query['hub.lease_seconds'], '864000')
    // Values are not URL-encoded by the hub.
    assert.ok(get.url.startsWith(`/websub/callback?hub.mode=subscribe&hub.topic=${TOPIC}&`))

    const view = subscriptionOf(hub, sub)
    assert.equal(view?.secret, 'se…(8)')
    assert.equal(view?.offset, 0)
  })

  it('leaves the subscription inactive on a wrong echo; compares only the body', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    sub.respond = () => ({ status: 200, body: 'not the challenge' })
    assert.equal((await hubPost(hubUrl, subscribeForm(sub.callback, 's'))).status, 202)
    await waitFor('the mismatch is recorded', () =>
      hub.verifications().some((v) => v.outcome === 'mismatch')
    )
    assert.equal(subscriptionOf(hub, sub), undefined)
    hub.publish(TOPIC, credentialIssued('e1'))
    assert.equal(hub.deliveries().length, 0)

    // Ballerina reads the body whatever the status: a 404 echoing the challenge still verifies.
    sub.respond = (request) =>
      request.method === 'GET'
        ? { status: 404, body: request.query.get('hub.challenge') ?? '' }
        : { status: 200 }
    await subscribeActive(hub, hubUrl, sub, 's')
  })

  it('denies re-subscribing an active subscriber and sends scripted denials', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 'first-secret')
    assert.equal((await hubPost(hubUrl, subscribeForm(sub.callback, 'second-secret'))).status, 202)
    await waitFor('the re-subscribe is denied', () =>
      hub.verifications().some((v) => v.outcome === 'denied')
    )
    const denial = sub.gets().at(-1)
    assert.equal(denial?.query.get('hub.mode'), 'denied')
    assert.equal(denial?.query.get('hub.topic'), TOPIC)
    assert.equal(denial?.query.get('hub.reason'), 'Subscriber has already registered with the Hub')
    assert.equal(denial?.query.get('hub.challenge'), null)
    assert.ok(
      websubIntentVerificationQuerySchema.safeParse(Object.fromEntries(denial?.query ?? [])).success
    )

    // First secret wins: deliveries are still signed with it.
    hub.publish(TOPIC, credentialIssued('e1'))
    await waitForPosts(hub, sub, 1, 'delivered')
    const [post] = sub.posts()
    assert.equal(post?.headers['x-hub-signature'], hmac('first-secret', post?.body ?? ''))

    const other = await subscriber('/other')
    hub.denyNext(TOPIC, 'Topic is closed for maintenance')
    assert.equal((await hubPost(hubUrl, subscribeForm(other.callback, 's'))).status, 202)
    await waitFor('the denial is sent', () =>
      hub.verifications({ callback: other.callback }).some((v) => v.outcome === 'denied')
    )
    assert.equal(other.gets().length, 1)
    assert.equal(other.gets()[0]?.query.get('hub.reason'), 'Topic is closed for maintenance')
    assert.equal(subscriptionOf(hub, other), undefined)
  })

  it('verifies unsubscribe intent; then a new subscription starts afresh with its own secret', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 'old-secret')
    const answer = await hubPost(hubUrl, {
      'hub.mode': 'unsubscribe',
      'hub.topic': TOPIC,
      'hub.callback': sub.callback
    })
    assert.equal(answer.status, 202)
    await waitFor('unsubscribed', () => subscriptionOf(hub, sub) === undefined)
    const get = sub.gets().at(-1)
    assert.equal(get?.query.get('hub.mode'), 'unsubscribe')
    assert.ok(get?.query.get('hub.challenge'))
    assert.equal(get?.query.get('hub.lease_seconds'), null)

    hub.publish(TOPIC, credentialIssued('while-unsubscribed'))
    await subscribeActive(hub, hubUrl, sub, 'new-secret')
    hub.publish(TOPIC, credentialIssued('e2'))
    await waitForPosts(hub, sub, 1, 'delivered')
    assert.deepEqual(sub.eventIds(), ['e2'])
    const [post] = sub.posts()
    assert.equal(post?.headers['x-hub-signature'], hmac('new-secret', post?.body ?? ''))
  })

  it('keeps a subscription whose unsubscription the subscriber does not confirm', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 'first-secret')
    // Refuses the unsubscription as the bridge does when no operator asked for it.
    sub.respond = (request) =>
      request.method === 'GET' && request.query.get('hub.mode') === 'unsubscribe'
        ? { status: 404, body: 'not confirming hub.mode unsubscribe' }
        : request.method === 'GET'
          ? { status: 200, body: request.query.get('hub.challenge') ?? '' }
          : { status: 200 }
    const form = { 'hub.mode': 'unsubscribe', 'hub.topic': TOPIC, 'hub.callback': sub.callback }
    assert.equal((await hubPost(hubUrl, form)).status, 202)
    await waitFor('the unsubscription to be verified', () =>
      hub.verifications({ callback: sub.callback }).some((v) => v.mode === 'unsubscribe')
    )
    const verification = hub.verifications({ callback: sub.callback }).at(-1)
    assert.equal(verification?.outcome, 'mismatch')
    assert.equal(sub.gets().at(-1)?.query.get('hub.mode'), 'unsubscribe')
    assert.equal(subscriptionOf(hub, sub)?.state, 'active', 'still subscribed')

    // Subscribing again without a verified unsubscription keeps the first secret.
    assert.equal((await hubPost(hubUrl, subscribeForm(sub.callback, 'second-secret'))).status, 202)
    await waitFor('the re-subscription to be denied', () =>
      hub.verifications({ callback: sub.callback }).some((v) => v.outcome === 'denied')
    )
    hub.publish(TOPIC, credentialIssued('still-delivered'))
    await waitForPosts(hub, sub, 1, 'delivered')
    assert.deepEqual(sub.eventIds(), ['still-delivered'])
    const [post] = sub.posts()
    assert.equal(post?.headers['x-hub-signature'], hmac('first-secret', post?.body ?? ''))
    assert.equal(subscriptionOf(hub, sub)?.secret, 'fi…(12)')
  })
})

describe('WebSub hub: content delivery', () => {
  it('delivers only what is published after the subscription', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    hub.publish(TOPIC, credentialIssued('before'))
    await subscribeActive(hub, hubUrl, sub, 'secret')
    hub.publish(TOPIC, credentialIssued('after'))
    await waitForPosts(hub, sub, 1, 'delivered')
    assert.deepEqual(sub.eventIds(), ['after'])
    assert.deepEqual(
      hub.deliveries().map((d) => d.eventId),
      ['after']
    )
  })

  it('signs the exact body bytes and sends Link and Content-Type', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 'the-secret')
    const event = credentialIssued('e1')
    hub.publish(TOPIC, event)
    await waitForPosts(hub, sub, 1, 'delivered')
    const [post] = sub.posts()
    assert.ok(post)
    assert.equal(post.url, '/websub/callback')
    assert.equal(post.headers['content-type'], 'application/json')
    assert.equal(post.headers.link, `${hubUrl}; rel="hub", ${TOPIC}; rel="self"`)
    assert.equal(post.headers['x-hub-signature'], hmac('the-secret', post.body))
    // Ballerina's serialisation: verifying over re-serialised JSON would fail.
    assert.ok(post.body.includes('", "'))
    assert.ok(post.body.includes('[1, 2.5, -3]'))
    assert.notEqual(JSON.stringify(JSON.parse(post.body)), post.body)
    assert.notEqual(
      hmac('the-secret', JSON.stringify(JSON.parse(post.body))),
      post.headers['x-hub-signature']
    )
    assert.deepEqual(JSON.parse(post.body), event)
    assert.ok(credentialIssuedEventSchema.safeParse(JSON.parse(post.body)).success)
    const [record] = hub.deliveries()
    assert.equal(record?.status, 200)
    assert.equal(record?.outcome, 'delivered')
    assert.equal(record?.attempt, 1)
    assert.equal(subscriptionOf(hub, sub)?.offset, 1)
  })

  it('sends no signature without a secret, and posts to <callback>/ when told', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub)
    hub.setTrailingSlash(true, { callback: sub.callback })
    assert.equal(subscriptionOf(hub, sub)?.trailingSlash, true)
    hub.publish(TOPIC, credentialIssued('e1'))
    await waitForPosts(hub, sub, 1, 'delivered')
    assert.equal(sub.posts()[0]?.url, '/websub/callback/')
    assert.equal(sub.posts()[0]?.headers['x-hub-signature'], undefined)
  })

  it('stops at a non-2xx answer until re-subscribe, then redelivers from the failed message', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const witness = await subscriber('/witness')
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, witness, 'w')
    await subscribeActive(hub, hubUrl, sub, 'first-secret')

    hub.publish(TOPIC, credentialIssued('e0'))
    await waitForPosts(hub, sub, 1, 'e0 delivered')
    sub.respond = (request) => (request.method === 'POST' ? { status: 500 } : { status: 200 })
    hub.publish(TOPIC, credentialIssued('e1'))
    await waitFor('the subscriber stops', () => subscriptionOf(hub, sub)?.state === 'stopped')
    assert.equal(subscriptionOf(hub, sub)?.stoppedReason, 'subscriber answered 500')
    assert.equal(subscriptionOf(hub, sub)?.offset, 1)

    hub.publish(TOPIC, credentialIssued('e2'))
    hub.publish(TOPIC, credentialIssued('e3'))
    await waitForPosts(hub, witness, 4, 'the witness has everything')
    assert.deepEqual(sub.eventIds(), ['e0', 'e1'])
    assert.equal(hub.deliveries({ callback: sub.callback }).length, 2)
    assert.equal(subscriptionOf(hub, sub)?.undelivered, 3)

    // Re-subscribing (with another secret) revives it from the committed offset.
    sub.respond = (request) =>
      request.method === 'GET'
        ? { status: 200, body: request.query.get('hub.challenge') ?? '' }
        : { status: 200 }
    await subscribeActive(hub, hubUrl, sub, 'second-secret')
    await waitForPosts(hub, sub, 5, 'redelivered')
    assert.deepEqual(sub.eventIds(), ['e0', 'e1', 'e1', 'e2', 'e3'])
    for (const post of sub.posts()) {
      assert.equal(post.headers['x-hub-signature'], hmac('first-secret', post.body))
    }
    assert.equal(subscriptionOf(hub, sub)?.offset, 4)
    assert.equal(subscriptionOf(hub, sub)?.secret, 'fi…(12)')
  })

  it("revives stopped subscribers when anyone's subscription is verified", async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    sub.respond = (request) => (request.method === 'POST' ? { status: 410 } : { status: 200 })
    hub.publish(TOPIC, credentialIssued('e1'))
    await waitFor('stopped by 410', () => subscriptionOf(hub, sub)?.state === 'stopped')
    assert.match(subscriptionOf(hub, sub)?.stoppedReason ?? '', /410/)

    // A stopped subscriber is no longer "valid" for unsubscribe.
    await hubPost(hubUrl, {
      'hub.mode': 'unsubscribe',
      'hub.topic': TOPIC,
      'hub.callback': sub.callback
    })
    await waitFor('unsubscribe denied', () =>
      hub.verifications({ callback: sub.callback }).some((v) => v.outcome === 'denied')
    )
    assert.match(
      sub.gets().at(-1)?.query.get('hub.reason') ?? '',
      /^Could not find a valid subscriber/
    )

    sub.respond = (request) =>
      request.method === 'GET'
        ? { status: 200, body: request.query.get('hub.challenge') ?? '' }
        : { status: 200 }
    const stranger = await subscriber('/stranger')
    await subscribeActive(hub, hubUrl, stranger, 'x', 'SOME_OTHER_TOPIC')
    await waitForPosts(hub, sub, 2, 'redelivered after a stranger subscribed')
    assert.deepEqual(sub.eventIds(), ['e1', 'e1'])
  })

  it('retries connection errors, so a subscriber back within the window gets the message', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t, { retryDelaysMs: [200, 400, 800] })
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    await sub.stop()
    hub.publish(TOPIC, credentialIssued('e1'))
    await waitFor('the first attempt fails', () => hub.deliveries().length === 1)
    const [failed] = hub.deliveries()
    assert.equal(failed?.outcome, 'failed')
    assert.equal(failed?.status, null)
    assert.match(failed?.error ?? '', /ECONNREFUSED/)
    await sub.start()
    await waitForPosts(hub, sub, 1, 'delivered after the subscriber came back')
    const last = hub.deliveries().at(-1)
    assert.equal(last?.outcome, 'delivered')
    assert.ok((last?.attempt ?? 0) >= 2)
    assert.equal(subscriptionOf(hub, sub)?.state, 'active')
  })

  it('stops when retries run out and redelivers after re-subscribing', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t, { retryDelaysMs: [10, 10, 10] })
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    await sub.stop()
    hub.publish(TOPIC, credentialIssued('e1'))
    await waitFor('stopped', () => subscriptionOf(hub, sub)?.state === 'stopped')
    assert.deepEqual(
      hub.deliveries().map((d) => [d.attempt, d.outcome]),
      [
        [1, 'failed'],
        [2, 'failed'],
        [3, 'failed'],
        [4, 'failed']
      ]
    )
    await sub.start()
    await subscribeActive(hub, hubUrl, sub, 's')
    await waitForPosts(hub, sub, 1, 'redelivered')
    assert.deepEqual(sub.eventIds(), ['e1'])
  })

  it('retries a timed-out delivery, so the subscriber sees it twice (at-least-once)', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t, { deliveryTimeoutMs: 150 })
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    let slow = true
    sub.respond = (request) => {
      if (request.method !== 'POST') return { status: 200 }
      const answer = slow ? { status: 200, delayMs: 500 } : { status: 200 }
      slow = false
      return answer
    }
    hub.publish(TOPIC, credentialIssued('e1'))
    await waitFor('delivered', () => hub.deliveries().some((d) => d.outcome === 'delivered'))
    assert.deepEqual(sub.eventIds(), ['e1', 'e1'])
    assert.match(hub.deliveries()[0]?.error ?? '', /ETIMEDOUT/)
  })

  it('commits the whole polled batch in poll-batch mode, losing the rest after a failure', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t, { commitMode: 'poll-batch' })
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    sub.respond = (request) => {
      if (request.method === 'GET')
        return { status: 200, body: request.query.get('hub.challenge') ?? '' }
      return { status: request.body.includes('"e2"') ? 500 : 200 }
    }
    hub.publish(TOPIC, credentialIssued('e1'))
    hub.publish(TOPIC, credentialIssued('e2'))
    hub.publish(TOPIC, credentialIssued('e3'))
    await waitFor('stopped', () => subscriptionOf(hub, sub)?.state === 'stopped')
    assert.equal(subscriptionOf(hub, sub)?.offset, 3)
    await subscribeActive(hub, hubUrl, sub, 's')
    hub.publish(TOPIC, credentialIssued('e4'))
    await waitForPosts(hub, sub, 3, 'e4 delivered')
    assert.deepEqual(sub.eventIds(), ['e1', 'e2', 'e4'])
  })

  /**
   * A subscriber that accepts the first message of a poll and then goes down (while the second is
   * in flight) for longer than the hub's retries. Returns it with the ids it received.
   */
  async function downAfterFirstOfPoll(t: TestContext, commitMode: 'poll-batch' | 'message') {
    const { hub, hubUrl, subscriber } = await setup(
      t,
      commitMode === 'message' ? { commitMode } : {}
    )
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    let posts = 0
    sub.respond = (request) => {
      if (request.method === 'GET')
        return { status: 200, body: request.query.get('hub.challenge') ?? '' }
      posts += 1
      // The second delivery gets no answer: the subscriber goes down while it is in flight.
      return posts === 2 ? { status: 200, delayMs: 2_000 } : { status: 200 }
    }
    // Published in one tick: the consumer's next poll returns all four.
    for (const id of ['e1', 'e2', 'e3', 'e4']) hub.publish(TOPIC, credentialIssued(id))
    await waitFor('e2 in flight', () => sub.posts().length === 2)
    await sub.stop()
    await waitFor('stopped', () => subscriptionOf(hub, sub)?.state === 'stopped')
    assert.match(subscriptionOf(hub, sub)?.stoppedReason ?? '', /delivery failed after 4 attempts/)
    await sub.start()
    await subscribeActive(hub, hubUrl, sub, 's')
    hub.publish(TOPIC, credentialIssued('e5'))
    await waitFor('e5 delivered', () => sub.eventIds().includes('e5'))
    return { hub, sub }
  }

  it('loses the rest of a poll, the failed message included, when a delivery fails after the first one of that poll', async (t) => {
    const { hub, sub } = await downAfterFirstOfPoll(t, 'poll-batch')
    // e1 committed the whole poll (e1..e4): e2 (received, never answered), e3 and e4 are lost.
    assert.deepEqual(sub.eventIds(), ['e1', 'e2', 'e5'])
    assert.deepEqual(
      hub
        .deliveries({ callback: sub.callback })
        .filter((d) => d.outcome === 'delivered')
        .map((d) => d.offset),
      [0, 4]
    )
    assert.equal(subscriptionOf(hub, sub)?.offset, 5)
    assert.equal(subscriptionOf(hub, sub)?.undelivered, 0)
  })

  it('redelivers a whole poll whose first message failed: the subscriber was down before it', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    hub.publish(TOPIC, credentialIssued('e0'))
    await waitForPosts(hub, sub, 1, 'e0 delivered')
    await sub.stop()
    for (const id of ['e1', 'e2', 'e3']) hub.publish(TOPIC, credentialIssued(id))
    await waitFor('stopped', () => subscriptionOf(hub, sub)?.state === 'stopped')
    assert.equal(subscriptionOf(hub, sub)?.offset, 1)
    await sub.start()
    await subscribeActive(hub, hubUrl, sub, 's')
    await waitForPosts(hub, sub, 4, 'the poll redelivered')
    assert.deepEqual(sub.eventIds(), ['e0', 'e1', 'e2', 'e3'])
  })

  it('redelivers the failed message and the rest of its poll in message commit mode', async (t) => {
    const { hub, sub } = await downAfterFirstOfPoll(t, 'message')
    await waitFor('e4 redelivered', () => sub.eventIds().filter((id) => id !== 'e5').length === 5)
    assert.deepEqual(sub.eventIds().sort(), ['e1', 'e2', 'e2', 'e3', 'e4', 'e5'])
    assert.equal(hub.commitMode, 'message')
  })

  it('reads what was published while polling was paused in one poll, and fails a delivery on request', async (t) => {
    const { hub, hubUrl, base, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    const control = (path: string, method: string, body: unknown) =>
      fetch(`${base}/_sim/websub${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body)
      })
    assert.equal((await control('/polling', 'PUT', { paused: true })).status, 200)
    for (const id of ['e1', 'e2', 'e3', 'e4']) hub.publish(TOPIC, credentialIssued(id))
    const armed = await control('/faults', 'POST', {
      kind: 'fail',
      callback: sub.callback,
      after: 1
    })
    assert.equal(armed.status, 200)
    assert.deepEqual(hub.armedFaults(), [{ kind: 'fail', callback: sub.callback, after: 1 }])
    assert.deepEqual(sub.posts(), [], 'nothing polled while paused')
    assert.equal((await control('/polling', 'PUT', { paused: false })).status, 200)
    await waitFor('stopped', () => subscriptionOf(hub, sub)?.state === 'stopped')
    assert.equal(subscriptionOf(hub, sub)?.stoppedReason, 'delivery failed (fail fault)')
    assert.deepEqual(
      hub.deliveries({ callback: sub.callback }).map((d) => [d.offset, d.outcome, d.fault]),
      [
        [0, 'delivered', undefined],
        [1, 'failed', 'fail']
      ]
    )
    await subscribeActive(hub, hubUrl, sub, 's')
    hub.publish(TOPIC, credentialIssued('e5'))
    await waitForPosts(hub, sub, 2, 'e5 delivered')
    assert.deepEqual(sub.eventIds(), ['e1', 'e5'], 'e2 to e4 were committed with e1 and are lost')
  })

  it('switches the commit mode over the control API', async (t) => {
    const { hub, base } = await setup(t)
    const get = await fetch(`${base}/_sim/websub/commit-mode`)
    assert.deepEqual(await get.json(), { mode: 'poll-batch' })
    const put = await fetch(`${base}/_sim/websub/commit-mode`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'message' })
    })
    assert.deepEqual(await put.json(), { mode: 'message' })
    assert.equal(hub.commitMode, 'message')
    const bad = await fetch(`${base}/_sim/websub/commit-mode`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'kafka' })
    })
    assert.equal(bad.status, 400)
  })

  it('accepts publishes on the hub endpoint and re-serialises them', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    const url = `${hubUrl}?hub.mode=publish&hub.topic=${encodeURIComponent(TOPIC)}`
    const sent = '{ "publisher" : "CREDENTIAL_SERVICE",\n  "event": {"id": "e1", "n": [1, true]} }'
    const refused = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: sent
    })
    assert.equal(
      await refused.text(),
      'hub.mode=denied&hub.reason=Authorization token cannot be found'
    )
    const accepted = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: COOKIE },
      body: sent
    })
    assert.equal(accepted.status, 200)
    assert.equal(await accepted.text(), 'hub.mode=accepted')
    await waitForPosts(hub, sub, 1, 'delivered')
    assert.equal(
      sub.posts()[0]?.body,
      '{"publisher":"CREDENTIAL_SERVICE", "event":{"id":"e1", "n":[1, true]}}'
    )
  })
})

describe('WebSub hub: scripted faults and the control API', () => {
  it('duplicates the next delivery', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    hub.duplicateNext()
    hub.publish(TOPIC, credentialIssued('e1'))
    hub.publish(TOPIC, credentialIssued('e2'))
    await waitForPosts(hub, sub, 3, 'delivered')
    assert.deepEqual(sub.eventIds(), ['e1', 'e1', 'e2'])
    assert.equal(sub.posts()[0]?.body, sub.posts()[1]?.body)
    assert.deepEqual(
      hub.deliveries().map((d) => d.fault),
      ['duplicate', 'duplicate', undefined]
    )
  })

  it('delivers the next two messages swapped', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    hub.reorderNext()
    hub.publish(TOPIC, credentialIssued('e1'))
    hub.publish(TOPIC, credentialIssued('e2'))
    hub.publish(TOPIC, credentialIssued('e3'))
    await waitForPosts(hub, sub, 3, 'delivered')
    assert.deepEqual(sub.eventIds(), ['e2', 'e1', 'e3'])
    assert.equal(subscriptionOf(hub, sub)?.offset, 3)
  })

  it('forges the signature of the next delivery', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 'real-secret')
    hub.forgeSignatureNext({ callback: sub.callback })
    hub.publish(TOPIC, credentialIssued('e1'))
    hub.publish(TOPIC, credentialIssued('e2'))
    await waitForPosts(hub, sub, 2, 'delivered')
    const [forged, genuine] = sub.posts()
    assert.match(String(forged?.headers['x-hub-signature']), /^sha256=[0-9a-f]{64}$/)
    assert.notEqual(forged?.headers['x-hub-signature'], hmac('real-secret', forged?.body ?? ''))
    assert.equal(genuine?.headers['x-hub-signature'], hmac('real-secret', genuine?.body ?? ''))
  })

  it('drops the next delivery silently', async (t) => {
    const { hub, hubUrl, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    hub.dropNext()
    hub.publish(TOPIC, credentialIssued('e1'))
    hub.publish(TOPIC, credentialIssued('e2'))
    await waitForPosts(hub, sub, 1, 'delivered')
    assert.deepEqual(sub.eventIds(), ['e2'])
    assert.deepEqual(
      hub.deliveries().map((d) => [d.eventId, d.outcome]),
      [
        ['e1', 'dropped'],
        ['e2', 'delivered']
      ]
    )
    assert.equal(subscriptionOf(hub, sub)?.offset, 2)
  })

  it('exposes subscriptions, deliveries and faults over HTTP', async (t) => {
    const { hub, hubUrl, base, subscriber } = await setup(t)
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 'very-secret')
    const subs = (await (await fetch(`${base}/_sim/websub/subscriptions`)).json()) as {
      subscriptions: Array<{ state: string; secret: string; offset: number }>
    }
    assert.equal(subs.subscriptions[0]?.state, 'active')
    assert.equal(subs.subscriptions[0]?.secret, 've…(11)')
    assert.ok(!JSON.stringify(subs).includes('very-secret'))

    const armed = await fetch(`${base}/_sim/websub/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'duplicate', callback: sub.callback })
    })
    assert.equal(armed.status, 200)
    const bad = await fetch(`${base}/_sim/websub/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'explode' })
    })
    assert.equal(bad.status, 400)
    const published = await fetch(`${base}/_sim/websub/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: TOPIC, event: credentialIssued('e1') })
    })
    assert.deepEqual(await published.json(), { offset: 0 })
    await waitForPosts(hub, sub, 2, 'delivered twice')
    const deliveries = (await (
      await fetch(`${base}/_sim/websub/deliveries?callback=${encodeURIComponent(sub.callback)}`)
    ).json()) as { deliveries: Array<{ eventId: string; status: number; attempt: number }> }
    assert.deepEqual(
      deliveries.deliveries.map((d) => [d.eventId, d.status, d.attempt]),
      [
        ['e1', 200, 1],
        ['e1', 200, 1]
      ]
    )
    const faults = (await (await fetch(`${base}/_sim/websub/faults`)).json()) as {
      faults: unknown[]
    }
    assert.deepEqual(faults.faults, [])
  })

  it('close() cancels pending retries', async (t) => {
    const { sim, hub, hubUrl, subscriber } = await setup(t, { retryDelaysMs: [60_000] })
    const sub = await subscriber()
    await subscribeActive(hub, hubUrl, sub, 's')
    await sub.stop()
    hub.publish(TOPIC, credentialIssued('e1'))
    await waitFor('the first attempt fails', () => hub.deliveries().length === 1)
    const started = Date.now()
    await sim.close()
    assert.ok(Date.now() - started < 5_000)
    assert.throws(() => hub.publish(TOPIC, credentialIssued('e2')), /closed/)
    assert.equal(hub.deliveries().length, 1)
  })
})

describe('WebSub contracts and wire details', () => {
  it('parses the subscribe form the bridge sends and the CREDENTIAL_ISSUED event', () => {
    const form = websubSubscriptionFormSchema.parse({
      'hub.mode': 'subscribe',
      'hub.topic': credentialIssuedTopic('crvs_partner'),
      'hub.callback': 'https://bridge.example.org/websub/callback',
      'hub.secret': 's3cret'
    })
    assert.equal(form['hub.topic'], TOPIC)
    assert.equal(
      websubSubscriptionFormSchema.safeParse({ 'hub.mode': 'subscribe', 'hub.topic': TOPIC })
        .success,
      false
    )
    assert.equal(
      websubSubscriptionFormSchema.safeParse({
        ...form,
        'hub.lease_seconds': 'ten days'
      }).success,
      false
    )
    const event = credentialIssuedEventSchema.parse({
      ...credentialIssued('e1'),
      event: {
        ...credentialIssued('e1').event,
        data: { ...credentialIssued('e1').event.data, opencrvsBRN: '2025B4XK2LQ' }
      }
    })
    assert.equal(event.event.data.registrationId, '100014728301957')
    assert.equal(event.event.data['opencrvsBRN'], '2025B4XK2LQ')
    // Datashare policy: no inline credential, a dataShareUri instead.
    const shared = credentialIssued('e2')
    const { credential: _dropped, ...withoutCredential } = shared.event.data
    assert.ok(
      credentialIssuedEventSchema.safeParse({
        ...shared,
        event: { ...shared.event, dataShareUri: 'https://datashare/x', data: withoutCredential }
      }).success
    )
    assert.equal(
      credentialIssuedEventSchema.safeParse({ ...shared, publishedOn: 'yesterday' }).success,
      false
    )
  })

  it('serialises like Ballerina and reads the cookie like security.bal', () => {
    assert.equal(
      ballerinaJsonString({ a: [{ b: 1 }, { c: null }], d: 'x', e: undefined, f: [] }),
      '{"a":[{"b":1}, {"c":null}], "d":"x", "f":[]}'
    )
    assert.deepEqual(tokenFromCookieHeader('Authorization=abc;'), { ok: true, token: 'abc' })
    assert.deepEqual(tokenFromCookieHeader('x=1; Authorization=abc; y=2'), {
      ok: true,
      token: 'abc'
    })
    assert.equal(tokenFromCookieHeader('x=1;Authorization=abc').ok, false)
    assert.equal(tokenFromCookieHeader(undefined).ok, false)
  })
})
