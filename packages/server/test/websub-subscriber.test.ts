/** The MOSIP WebSub subscription (`WebsubSubscriber`) against recording hub and auth servers. */
import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { pino } from 'pino'
import {
  LogSink,
  closedPort,
  sendJson,
  startRecordingServer,
  waitFor,
  type RecordingServer,
  type Responder
} from '@mosip-bridge/test-support'
import { MosipTokenSource } from '../src/integrations/mosip/auth-token.js'
import { WebsubSubscriber, classifyHubAnswer } from '../src/integrations/mosip/websub-subscriber.js'
import { CALL_TIMEOUT_MS, T0, authManager, counterTokens } from './helpers/mosip-auth-manager.js'

describe('WebsubSubscriber', () => {
  const SECRET = 'hub-secret-value'
  let auth: RecordingServer
  let issued: ReturnType<typeof counterTokens>
  const subscribers: WebsubSubscriber[] = []
  const logs = new LogSink()
  const logger = pino({ level: 'debug' }, logs)

  before(async () => {
    auth = await startRecordingServer(() => undefined)
  })
  after(() => auth.close())
  afterEach(() => {
    for (const subscriber of subscribers.splice(0)) subscriber.stop()
  })

  function subscriber(
    hubUrl: string,
    overrides: Partial<ConstructorParameters<typeof WebsubSubscriber>[0]> = {}
  ): WebsubSubscriber {
    issued = counterTokens('websub-token')
    auth.received.length = 0
    auth.handle(authManager(issued.issue))
    const created = new WebsubSubscriber({
      hubUrl,
      topic: 'crvs_partner/CREDENTIAL_ISSUED',
      callbackUrl: 'https://bridge.example.org/websub/callback',
      secret: SECRET,
      tokens: new MosipTokenSource({
        authUrl: `${auth.url}/v1/authmanager/authenticate/clientidsecretkey`,
        clientId: 'crvs_partner',
        secretKey: 'websub-client-secret',
        appId: 'admin',
        timeoutMs: CALL_TIMEOUT_MS
      }),
      intervalMs: 60_000,
      retryDelayMs: 20,
      maxRetryDelayMs: 80,
      timeoutMs: CALL_TIMEOUT_MS,
      logger,
      ...overrides
    })
    subscribers.push(created)
    return created
  }

  const accept: Responder = (_r, res) => {
    res.writeHead(202)
    res.end()
  }

  it('posts the reference form with cookie and raw Authorization headers; 202 is success', async () => {
    const hub = await startRecordingServer(accept)
    try {
      let notified = 0
      const websub = subscriber(`${hub.url}/hub`, { onSubscribed: () => notified++ })
      assert.deepEqual(await websub.subscribeNow(), { kind: 'ok', value: undefined })
      const [call] = hub.received
      assert.ok(call)
      assert.equal(call.method, 'POST')
      assert.equal(call.path, '/hub')
      assert.equal(call.headers['content-type'], 'application/x-www-form-urlencoded')
      assert.equal(call.headers.cookie, 'Authorization=websub-token-1')
      assert.equal(call.headers.authorization, 'websub-token-1')
      assert.equal(
        call.body,
        'hub.mode=subscribe&hub.topic=crvs_partner%2FCREDENTIAL_ISSUED' +
          '&hub.callback=https%3A%2F%2Fbridge.example.org%2Fwebsub%2Fcallback' +
          `&hub.secret=${SECRET}`
      )
      assert.deepEqual(
        [...new URLSearchParams(call.body).entries()],
        [
          ['hub.mode', 'subscribe'],
          ['hub.topic', 'crvs_partner/CREDENTIAL_ISSUED'],
          ['hub.callback', 'https://bridge.example.org/websub/callback'],
          ['hub.secret', SECRET]
        ]
      )
      assert.equal(notified, 1)
      const status = websub.status()
      assert.ok(status.lastAttemptAt && status.lastSuccessAt)
      assert.equal(status.lastError, null)
      assert.equal(status.running, false)
    } finally {
      await hub.close()
    }
  })

  it('reports a hub denial with its reason and logs in afresh for the next attempt', async () => {
    const hub = await startRecordingServer((_r, res) => {
      res.writeHead(500, { 'Content-Type': 'application/x-www-form-urlencoded' })
      res.end('hub.mode=denied&hub.reason=Subscriber is not authorized')
    })
    try {
      const websub = subscriber(`${hub.url}/hub`)
      const outcome = await websub.subscribeNow()
      assert.equal(outcome.kind, 'retry')
      if (outcome.kind === 'retry') {
        assert.equal(outcome.code, 'MOSIP_HUB_DENIED')
        assert.match(outcome.reason, /Subscriber is not authorized/)
      }
      assert.equal(websub.status().lastError?.code, 'MOSIP_HUB_DENIED')
      assert.equal(websub.status().consecutiveFailures, 1)
      await websub.subscribeNow()
      assert.equal(issued.count(), 2)
      assert.deepEqual(
        hub.received.map((r) => r.headers.cookie),
        ['Authorization=websub-token-1', 'Authorization=websub-token-2']
      )
    } finally {
      await hub.close()
    }
  })

  it('re-logs in once and retries when the hub answers 401', async () => {
    const hub = await startRecordingServer((request, res) => {
      if (request.headers.cookie === 'Authorization=websub-token-1') {
        res.writeHead(401)
        res.end()
      } else accept(request, res)
    })
    try {
      const websub = subscriber(`${hub.url}/hub`)
      assert.equal((await websub.subscribeNow()).kind, 'ok')
      assert.equal(hub.received.length, 2)
      assert.equal(issued.count(), 2)
    } finally {
      await hub.close()
    }
  })

  it('keeps retrying while the hub refuses connections, and subscribes once it is up', async () => {
    const port = await closedPort()
    let notified = 0
    const websub = subscriber(`http://127.0.0.1:${port}/hub`, { onSubscribed: () => notified++ })
    websub.start()
    websub.start() // idempotent
    await waitFor('three failed attempts', () => websub.status().consecutiveFailures >= 3)
    assert.equal(websub.status().lastError?.code, 'MOSIP_UNREACHABLE')
    assert.equal(websub.status().lastSuccessAt, null)
    assert.equal(websub.status().running, true)

    const hub = await startRecordingServer(accept, { port })
    try {
      await waitFor('a subscription', () => websub.status().lastSuccessAt)
      assert.equal(notified, 1)
      assert.equal(websub.status().lastError, null)
      assert.equal(websub.status().consecutiveFailures, 0)
      assert.ok(hub.received.length >= 1)
      // The token was fetched once and reused for every attempt.
      assert.equal(issued.count(), 1)
    } finally {
      websub.stop()
      await hub.close()
    }
  })

  it('keeps retrying while the auth manager is down, without throwing', async () => {
    const hub = await startRecordingServer(accept)
    try {
      const websub = subscriber(`${hub.url}/hub`)
      auth.handle((_r, res) => sendJson(res, 503, {}))
      websub.start()
      await waitFor('two failed logins', () => websub.status().consecutiveFailures >= 2)
      assert.equal(websub.status().lastError?.code, 'MOSIP_HTTP_503')
      assert.equal(hub.received.length, 0)
      auth.handle(authManager(issued.issue))
      await waitFor('a subscription', () => websub.status().lastSuccessAt)
      assert.equal(hub.received.length, 1)
    } finally {
      await hub.close()
    }
  })

  it('re-subscribes every interval, and stop() ends it', async () => {
    const hub = await startRecordingServer(accept)
    try {
      let notified = 0
      const websub = subscriber(`${hub.url}/hub`, {
        intervalMs: 30,
        onSubscribed: () => notified++
      })
      websub.start()
      await waitFor('three accepted subscriptions', () => notified >= 3)
      assert.ok(hub.received.length >= 3)
      assert.ok(hub.received.every((r) => r.body.startsWith('hub.mode=subscribe&')))
      // Tokens are cached between renewals: one login for all of them.
      assert.equal(issued.count(), 1)

      websub.stop()
      const status = websub.status()
      assert.equal(status.running, false)
      assert.equal(status.nextAttemptAt, null)
      const count = hub.received.length
      // Absence can only be observed over time: while a second subscriber on the same interval
      // renews three times, the stopped one sends nothing.
      let witnessed = 0
      const witness = subscriber(`${hub.url}/hub`, {
        intervalMs: 30,
        callbackUrl: 'https://witness.example.org/websub/callback',
        onSubscribed: () => witnessed++
      })
      witness.start()
      await waitFor('three renewals of another subscriber', () => witnessed >= 3)
      const fromStopped = hub.received.filter((r) => !r.body.includes('witness.example.org'))
      assert.equal(fromStopped.length, count)
    } finally {
      await hub.close()
    }
  })

  it('stop() aborts an attempt under way and records nothing for it', async () => {
    let connectionClosed = false
    const hub = await startRecordingServer((_r, res) => {
      res.on('close', () => {
        connectionClosed = true
      })
    })
    try {
      const websub = subscriber(`${hub.url}/hub`)
      websub.start()
      await waitFor('the hub to receive the request', () => hub.received.length === 1)
      websub.stop()
      await waitFor('the aborted request to close its connection', () => connectionClosed)
      const status = websub.status()
      assert.equal(status.running, false)
      assert.equal(status.lastSuccessAt, null)
      assert.equal(status.lastError, null)
      assert.equal(status.nextAttemptAt, null)
      assert.equal(hub.received.length, 1)
    } finally {
      await hub.close()
    }
  })

  it('survives an onSubscribed callback that throws', async () => {
    const hub = await startRecordingServer(accept)
    try {
      const websub = subscriber(`${hub.url}/hub`, {
        intervalMs: 30,
        onSubscribed: () => {
          throw new Error('listener bug')
        }
      })
      websub.start()
      await waitFor('two subscriptions', () => hub.received.length >= 2)
    } finally {
      await hub.close()
    }
  })

  it('unsubscribes with hub.mode=unsubscribe and no secret', async () => {
    const hub = await startRecordingServer(accept)
    try {
      const websub = subscriber(`${hub.url}/hub`)
      assert.equal((await websub.unsubscribeNow()).kind, 'ok')
      assert.deepEqual(
        [...new URLSearchParams(hub.received[0]!.body).entries()],
        [
          ['hub.mode', 'unsubscribe'],
          ['hub.topic', 'crvs_partner/CREDENTIAL_ISSUED'],
          ['hub.callback', 'https://bridge.example.org/websub/callback']
        ]
      )
      assert.equal(websub.status().lastAttemptAt, null)
    } finally {
      await hub.close()
    }
  })

  it('never logs the token, the hub secret or the client secret', () => {
    const text = logs.text()
    assert.ok(text.includes('websub.subscribe'), 'the tests above produced log lines')
    for (const secret of [SECRET, 'websub-client-secret', 'websub-token-1', 'websub-token-2']) {
      assert.equal(text.includes(secret), false, `log contains ${secret}`)
    }
  })

  it('classifies hub answers through the MOSIP classifier', () => {
    assert.deepEqual(classifyHubAnswer({ status: 202 }, T0), { kind: 'ok', value: undefined })
    assert.deepEqual(classifyHubAnswer({ status: 200, body: 'hub.mode=accepted' }, T0), {
      kind: 'ok',
      value: undefined
    })
    const down = classifyHubAnswer({ status: 503 }, T0)
    assert.equal(down.kind === 'retry' && down.code, 'MOSIP_HTTP_503')
    const unauthorized = classifyHubAnswer({ status: 403 }, T0)
    assert.equal(unauthorized.kind === 'retry' && unauthorized.code, 'MOSIP_AUTH_REJECTED')
    const denied = classifyHubAnswer(
      { status: 500, body: 'hub.mode=denied&hub.reason=Authorization token cannot be found' },
      T0
    )
    assert.equal(denied.kind, 'retry')
    assert.equal(denied.kind === 'retry' && denied.code, 'MOSIP_HUB_DENIED')
  })
})
