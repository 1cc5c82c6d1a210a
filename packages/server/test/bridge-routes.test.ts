import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto'
import { AuditRepository } from '../src/store/audit.repository.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { loadConfig, formatProblems } from '../src/config/index.js'
import { startBridge, type RunningBridge } from '../src/main.js'
import { TestOpencrvsKeys } from './helpers/opencrvs-keys.js'
import { waitFor } from '@mosip-bridge/test-support'

const WEBSUB_SECRET = 'route-test-websub-secret'
const TOPIC = 'crvs_partner/CREDENTIAL_ISSUED'

function birthPayload(overrides: Record<string, unknown> = {}) {
  return {
    trackingId: 'TRK-ROUTE-1',
    notification: {
      recipientFullName: 'Mary Bwalya',
      recipientEmail: 'mary@example.org',
      recipientPhone: '+260971234567'
    },
    requestFields: {
      birthCertificateNumber: 'BRN-2026-0001',
      fullName: '[{"language":"eng","value":"Chanda Bwalya"}]',
      dateOfBirth: '2026/01/15',
      gender: '[{"language":"eng","value":"Female"}]'
    },
    metaInfo: { metaData: '[]' },
    audit: { uuid: randomUUID(), createdAt: new Date().toISOString() },
    ...overrides
  }
}

describe('bridge routes', () => {
  const keys = new TestOpencrvsKeys()
  let dir: string
  let bridge: RunningBridge
  let url: string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-routes-'))
    const keyServer = await keys.start()
    const result = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '1',
      SQLITE_DATABASE_PATH: join(dir, 'bridge.db'),
      OPENCRVS_PUBLIC_KEY_URL: `${keyServer}/.well-known`,
      MOSIP_WEBSUB_SECRET: WEBSUB_SECRET,
      MOSIP_WEBSUB_PREVIOUS_SECRETS: 'route-test-old-secret, route-test-older-secret',
      MOSIP_WEBSUB_TOPIC: TOPIC,
      // Nothing listens there: submissions simply wait and retry in the background.
      MOSIP_AUTH_URL: 'http://127.0.0.1:9/v1/authmanager/authenticate/clientidsecretkey',
      MOSIP_WEBSUB_HUB_URL: 'http://127.0.0.1:9/websub/hub',
      DECRYPT_P12_FILE_PATH: join(dir, 'missing.p12'),
      JOB_BACKOFF_BASE_MS: '60000',
      BODY_LIMIT_BYTES: '4096',
      MOSIP_DOCUMENT_MAX_BYTES: '6000',
      MOSIP_DOCUMENT_MAX_COUNT: '2'
    })
    if (!result.ok) throw new Error(formatProblems(result.problems))
    // Port 0 is not a valid PORT; listen on a free one instead.
    bridge = await startBridge(
      { ...result.config, server: { ...result.config.server, port: 0, metricsPort: 0 } },
      pino({ level: 'silent' })
    )
    url = bridge.url
  })

  after(async () => {
    await bridge?.stop()
    await keys.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  async function post(
    path: string,
    body: unknown,
    token?: string,
    headers: Record<string, string> = {}
  ) {
    return fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers
      },
      body: typeof body === 'string' ? body : JSON.stringify(body)
    })
  }

  describe('intake', () => {
    it('refuses a missing, forged or mis-addressed token with 401', async () => {
      assert.equal((await post('/events/registration', birthPayload())).status, 401)
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const forged = await keys.actionToken({}, { key: privateKey })
      assert.equal((await post('/events/registration', birthPayload(), forged)).status, 401)
      const wrongAudience = await keys.actionToken({}, { audience: ['opencrvs:gateway-user'] })
      const response = await post('/events/registration', birthPayload(), wrongAudience)
      assert.equal(response.status, 401)
      assert.match(((await response.json()) as { message: string }).message, /aud/i)
      const expired = await keys.actionToken({}, { expiresIn: '-1m' })
      assert.equal((await post('/events/registration', birthPayload(), expired)).status, 401)
    })

    it('checks the token before the body', async () => {
      assert.equal((await post('/events/registration', { trackingId: 1 })).status, 401)
      assert.equal((await post('/events/update-biographics', '[]')).status, 401)
      const unscoped = await keys.actionToken({ scope: ['record.read'] })
      assert.equal((await post('/events/registration', 'null', unscoped)).status, 403)
    })

    it('refuses a token without the confirmation scope with 403', async () => {
      const token = await keys.actionToken({ scope: ['record.read'] })
      const response = await post('/events/registration', birthPayload(), token)
      assert.equal(response.status, 403)
      assert.match(
        ((await response.json()) as { message: string }).message,
        /record\.confirm-registration/
      )
    })

    it('accepts both scope formats (1.9 plain, 2.0 qs-encoded)', async () => {
      const plain = await keys.actionToken({ scope: ['record.confirm-registration'] })
      const response = await post(
        '/events/registration',
        birthPayload({ trackingId: 'TRK-PLAIN' }),
        plain
      )
      assert.equal(response.status, 202)
    })

    it('answers bad bodies with a 400 naming the problem', async () => {
      const token = await keys.actionToken()
      const malformed = await post('/events/registration', '{"trackingId":', token)
      assert.equal(malformed.status, 400)
      assert.match(((await malformed.json()) as { message: string }).message, /JSON/)

      const missing = await post(
        '/events/registration',
        { ...birthPayload(), trackingId: undefined },
        token
      )
      assert.equal(missing.status, 400)
      assert.deepEqual(await missing.json(), {
        statusCode: 400,
        error: 'Bad Request',
        message: 'trackingId: Invalid input: expected string, received undefined'
      })

      const twoProblems = await post(
        '/events/update-biographics',
        { ...birthPayload({ requestFields: { VID: '' } }), notification: undefined },
        token
      )
      assert.equal(twoProblems.status, 400)
      assert.equal(
        ((await twoProblems.json()) as { message: string }).message,
        'notification: Invalid input: expected object, received undefined; ' +
          'requestFields.VID: Too small: expected string to have >=1 characters'
      )

      for (const body of ['null', '"text"', '42']) {
        const notAnObject = await post('/events/registration', body, token)
        assert.equal(notAnObject.status, 400, body)
        assert.equal(
          ((await notAnObject.json()) as { message: string }).message,
          'the body must be a JSON object'
        )
      }
      const noBody = await fetch(`${url}/events/registration`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` }
      })
      assert.equal(noBody.status, 400)
      assert.equal(
        ((await noBody.json()) as { message: string }).message,
        'the body must be a JSON object'
      )

      const neither = await post(
        '/events/registration',
        birthPayload({ requestFields: { fullName: 'x' } }),
        token
      )
      assert.equal(neither.status, 400)
      assert.match(
        ((await neither.json()) as { message: string }).message,
        /birthCertificateNumber.*deathCertificateNumber/
      )

      const both = await post(
        '/events/registration',
        birthPayload({
          requestFields: { birthCertificateNumber: 'a', deathCertificateNumber: 'b' }
        }),
        token
      )
      assert.equal(both.status, 400)

      const oversized = await post(
        '/events/registration',
        birthPayload({ metaInfo: { padding: 'x'.repeat(5000) } }),
        token
      )
      assert.equal(oversized.status, 413)
    })

    it('takes documents beyond the body limit, and names what is wrong with one', async () => {
      const token = await keys.actionToken({ eventId: randomUUID(), actionId: randomUUID() })
      const file = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64')
      const document = (extra: Record<string, unknown> = {}) => ({
        type: 'NOTIFICATION_OF_BIRTH',
        format: 'pdf',
        content: file(5000),
        ...extra
      })
      const send = (documents: unknown[], trackingId = 'TRK-DOCS') =>
        post('/events/registration', birthPayload({ trackingId, documents }), token)
      const message = async (response: Response) =>
        ((await response.json()) as { message: string }).message

      const tooLarge = await send([document({ content: file(6001) })])
      assert.equal(tooLarge.status, 413)
      assert.match(await message(tooLarge), /documents\[0\].*MOSIP_DOCUMENT_MAX_BYTES/)
      const tooMany = await send([document(), document(), document()])
      assert.equal(tooMany.status, 400)
      assert.match(await message(tooMany), /MOSIP_DOCUMENT_MAX_COUNT/)
      const unknownType = await send([document({ type: 'SELFIE' })])
      assert.equal(unknownType.status, 400)
      assert.match(await message(unknownType), /documents\[0\]\.type.*MOSIP_DOCUMENT_CATEGORIES/)
      const notBase64 = await send([document({ content: 'not base64!' })])
      assert.equal(notBase64.status, 400)
      assert.match(await message(notBase64), /documents\[0\]\.content: not base64/)
      const twice = await send([document(), document({ type: 'BIRTH_CERTIFICATE' })])
      assert.equal(twice.status, 400)
      assert.match(await message(twice), /proofOfDateOfBirth/)
      const padded = await post(
        '/events/registration',
        birthPayload({ metaInfo: { padding: 'x'.repeat(5000) }, documents: [document()] }),
        token
      )
      assert.equal(padded.status, 413, 'documents do not make room for the rest of the body')

      // Two documents of 5000 bytes: more than BODY_LIMIT_BYTES, within the documents' limits.
      const accepted = await send([document(), document({ category: 'POI', type: 'PASSPORT' })])
      assert.equal(accepted.status, 202)
    })

    it('accepts a birth with 202 and a transaction id, once per action', async () => {
      const eventId = randomUUID()
      const actionId = randomUUID()
      const token = await keys.actionToken({ eventId, actionId })
      const first = await post('/events/registration', birthPayload(), token)
      assert.equal(first.status, 202)
      const { transactionId } = (await first.json()) as { transactionId: string }
      // MOSIP's layout: centre 10001, machine 10004, a sequence, the UTC time.
      assert.match(transactionId, /^1000110004\d{5}20\d{12}$/)
      const again = await post('/events/registration', birthPayload(), token)
      assert.equal(again.status, 202)
      assert.deepEqual(await again.json(), { transactionId })

      const registration = await bridge.registrations.get(transactionId)
      assert.equal(registration?.kind, 'birth')
      assert.equal(registration?.opencrvs_event_id, eventId)
      assert.equal(registration?.opencrvs_action_id, actionId)
      assert.equal(registration?.registration_number, 'BRN-2026-0001')
      assert.ok(!registration?.token_sealed?.includes(token.slice(0, 40)))
      assert.equal(await bridge.registrations.readToken(transactionId), token)
      const jobs = await bridge.queue.list({ task: 'submit-packet' })
      assert.equal(jobs.filter((job) => job.job_key === `submit:${transactionId}`).length, 1)
    })

    it('accepts a death and keeps its certificate number out of the packet fields', async () => {
      const token = await keys.actionToken()
      const response = await post(
        '/events/registration',
        birthPayload({
          trackingId: 'TRK-DEATH',
          requestFields: { deathCertificateNumber: 'DRN-1', fullName: 'x' }
        }),
        token
      )
      assert.equal(response.status, 202)
      const { transactionId } = (await response.json()) as { transactionId: string }
      const stored = await bridge.registrations.readPayload<{
        process: string
        fields: Record<string, string>
      }>(transactionId)
      assert.equal(stored?.process, 'CRVS_DEATH')
      assert.equal(stored?.fields.deathCertificateNumber, undefined)
      assert.equal((await bridge.registrations.get(transactionId))?.registration_number, 'DRN-1')
    })

    it('accepts a biographic update', async () => {
      const token = await keys.actionToken()
      const response = await post(
        '/events/update-biographics',
        birthPayload({
          requestFields: { VID: '4789512360', fullName: 'New Name', extra: 'dropped' }
        }),
        token
      )
      assert.equal(response.status, 202)
      const { transactionId } = (await response.json()) as { transactionId: string }
      const stored = await bridge.registrations.readPayload<{
        process: string
        fields: Record<string, string>
      }>(transactionId)
      assert.equal(stored?.process, 'CRVS_UPDATE')
      assert.deepEqual(stored?.fields, { VID: '4789512360', fullName: 'New Name' })
    })

    it('binds an update to its record: never merged into a birth sent with the same token', async () => {
      const token = await keys.actionToken()
      const birth = await post('/events/registration', birthPayload(), token)
      assert.equal(birth.status, 202)
      const update = await post(
        '/events/update-biographics',
        birthPayload({ requestFields: { VID: '4789512361', fullName: 'Other Name' } }),
        token
      )
      assert.equal(update.status, 202)
      const birthId = ((await birth.json()) as { transactionId: string }).transactionId
      const updateId = ((await update.json()) as { transactionId: string }).transactionId
      assert.notEqual(updateId, birthId)
      assert.equal((await bridge.registrations.get(updateId))?.kind, 'update')
      // A token bound to no record sends no update.
      const unbound = await keys.actionToken({ eventId: undefined })
      const refused = await post(
        '/events/update-biographics',
        birthPayload({ requestFields: { VID: '4789512362', fullName: 'Third Name' } }),
        unbound
      )
      assert.equal(refused.status, 400)
      assert.match(((await refused.json()) as { message: string }).message, /eventId/)
    })
  })

  describe('websub callback', () => {
    function sign(body: string, secret = WEBSUB_SECRET) {
      return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
    }

    it('answers intent verification for our topic only', async () => {
      const ok = await fetch(
        `${url}/websub/callback?hub.mode=subscribe&hub.topic=${encodeURIComponent(TOPIC)}&hub.challenge=abc123`
      )
      assert.equal(ok.status, 200)
      assert.equal(await ok.text(), 'abc123')
      const other = await fetch(
        `${url}/websub/callback?hub.mode=subscribe&hub.topic=other&hub.challenge=x`
      )
      assert.equal(other.status, 404)
      const missing = await fetch(
        `${url}/websub/callback?hub.mode=subscribe&hub.topic=${encodeURIComponent(TOPIC)}`
      )
      assert.equal(missing.status, 400)
      // An unsubscription no operator asked for (mosip-bridge websub …) is refused.
      const unsubscribe = await fetch(
        `${url}/websub/callback?hub.mode=unsubscribe&hub.topic=${encodeURIComponent(TOPIC)}&hub.challenge=u1`
      )
      assert.equal(unsubscribe.status, 404)
      assert.notEqual(await unsubscribe.text(), 'u1')
      const noTopic = await fetch(`${url}/websub/callback?hub.mode=subscribe&hub.challenge=t1`)
      assert.equal(noTopic.status, 404)
      const repeated = await fetch(
        `${url}/websub/callback?hub.mode=subscribe&hub.topic=${encodeURIComponent(TOPIC)}&hub.challenge=a&hub.challenge=b`
      )
      assert.equal(repeated.status, 400)
    })

    it('refuses deliveries without a valid signature, stores signed ones once', async () => {
      const eventId = randomUUID()
      const body = JSON.stringify({
        publisher: 'CREDENTIAL_SERVICE',
        topic: TOPIC,
        publishedOn: new Date().toISOString(),
        event: {
          id: eventId,
          transactionId: randomUUID(),
          data: { credential: 'abc', registrationId: '1' }
        }
      })
      assert.equal((await post('/websub/callback', body)).status, 401)
      assert.equal(
        (
          await post('/websub/callback', body, undefined, {
            'x-hub-signature': sign(body, 'wrong')
          })
        ).status,
        401
      )
      const response = await post('/websub/callback/', body, undefined, {
        'x-hub-signature': sign(body)
      })
      assert.equal(response.status, 200)
      // During a secret change, the earlier secrets still sign (MOSIP_WEBSUB_PREVIOUS_SECRETS).
      for (const earlier of ['route-test-old-secret', 'route-test-older-secret']) {
        const signedBefore = JSON.stringify({ ...JSON.parse(body), event: { id: randomUUID() } })
        const accepted = await post('/websub/callback', signedBefore, undefined, {
          'x-hub-signature': sign(signedBefore, earlier)
        })
        assert.equal(accepted.status, 200, earlier)
      }
      const ack = (await response.json()) as {
        event: { id: string; status: string }
        topic: string
      }
      assert.equal(ack.event.id, eventId)
      assert.equal(ack.event.status, 'RECEIVED')
      assert.equal(ack.topic, TOPIC)
      const again = await post('/websub/callback', body, undefined, {
        'x-hub-signature': sign(body)
      })
      assert.equal(again.status, 200)
      // The relay callback, used while the subscription moves to a new secret, takes the same
      // deliveries under the same checks; one that came through both is stored once.
      assert.equal((await post('/websub/callback/relay', body)).status, 401)
      const relayed = await post('/websub/callback/relay', body, undefined, {
        'x-hub-signature': sign(body)
      })
      assert.equal(relayed.status, 200)
      const entries = (await bridge.inbox.list()).filter((entry) => entry.event_id === eventId)
      assert.equal(entries.length, 1)
      const jobs = await bridge.queue.list({ task: 'process-credential' })
      assert.equal(jobs.filter((job) => job.job_key === `credential:${eventId}`).length, 1)
    })

    it('stores and acknowledges any signed delivery, and checks the signature first', async () => {
      for (const body of ['[1,2]', '"text"', '{"event":{"id":7}}']) {
        assert.equal((await post('/websub/callback', body)).status, 401, body)
        const response = await post('/websub/callback', body, undefined, {
          'x-hub-signature': sign(body)
        })
        assert.equal(response.status, 200, body)
        const ack = (await response.json()) as { event: { id?: unknown; status: string } }
        assert.equal(ack.event.status, 'ERROR')
        assert.equal(ack.event.id, undefined)
      }
    })
  })

  describe('compatibility routes', () => {
    it('lists registrations in progress to a searcher, never with a token', async () => {
      const forbidden = await fetch(`${url}/debug/transactions`, {
        headers: { authorization: `Bearer ${await keys.actionToken({ scope: ['record.read'] })}` }
      })
      assert.equal(forbidden.status, 403)
      const token = await keys.actionToken({ scope: ['record.search'] })
      const response = await fetch(`${url}/debug/transactions`, {
        headers: { authorization: `Bearer ${token}` }
      })
      assert.equal(response.status, 200)
      const rows = (await response.json()) as Array<Record<string, unknown>>
      assert.ok(rows.length >= 3)
      assert.ok(rows.every((row) => typeof row.id === 'string' && !('token' in row)))
      assert.match(String(rows[0]?.created_at), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    })

    it('removes a registration only for a token of the reference scope bound to its record', async () => {
      const eventId = randomUUID()
      const intakeToken = await keys.actionToken({ eventId })
      const accepted = await post(
        '/events/registration',
        birthPayload({ trackingId: 'TRK-REMOVE' }),
        intakeToken
      )
      assert.equal(accepted.status, 202)
      const { transactionId } = (await accepted.json()) as { transactionId: string }
      const remove = async (token: string) =>
        fetch(`${url}/debug/transactions/${transactionId}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` }
        })
      // A registrar's user token, and the action token of another record, remove nothing.
      const registrar = await keys.actionToken({ scope: ['record.register'], eventId })
      assert.equal((await remove(registrar)).status, 403)
      assert.equal((await remove(await keys.actionToken())).status, 403)
      const unbound = await keys.actionToken({ eventId: undefined })
      assert.equal((await remove(unbound)).status, 403)
      assert.ok(await bridge.registrations.get(transactionId), 'still tracked')
      const removed = await remove(intakeToken)
      assert.equal(removed.status, 200)
      assert.equal(((await removed.json()) as { eventId: string }).eventId, eventId)
      assert.equal((await remove(intakeToken)).status, 404)
      // Every attempt is in the audit trail, with the caller.
      const trail = await new AuditRepository(bridge.store).of(transactionId)
      assert.deepEqual(
        trail.map((entry) => [entry.action, entry.channel, entry.actor, entry.outcome]),
        [
          ['registration.remove', 'debug-route', 'registrar-1', 'refused: token not bound'],
          ['registration.remove', 'debug-route', 'registrar-1', 'refused: token not bound'],
          ['registration.remove', 'debug-route', 'registrar-1', 'done']
        ]
      )
    })

    it('serves metrics computed from where registrations and jobs stand', async () => {
      const soonExpiring = await keys.actionToken({}, { expiresIn: '1h' })
      const accepted = await post(
        '/events/registration',
        birthPayload({ trackingId: 'TRK-SOON' }),
        soonExpiring
      )
      assert.equal(accepted.status, 202)
      const response = await fetch(`${url}/metrics`)
      assert.equal(response.status, 200)
      const text = await response.text()
      const births = /mosip_bridge_registrations\{state="received",kind="birth"\} (\d+)/.exec(text)
      assert.ok(births && Number(births[1]) >= 2, 'accepted births waiting for MOSIP are counted')
      assert.match(text, /mosip_bridge_jobs\{task="submit-packet",state="queued"\} \d+/)
      assert.match(text, /mosip_bridge_oldest_unfinished_registration_seconds \d/)
      assert.match(text, /mosip_bridge_websub_deliveries\{state="received"\} 1/)
      assert.match(text, /mosip_bridge_websub_subscription_age_seconds -1/)
      // The workflow-completed topic is subscribed by default, and reported apart.
      assert.match(text, /mosip_bridge_websub_workflow_subscription_age_seconds -1/)
      assert.match(text, /mosip_bridge_tokens_expiring\{within="24h"\} 1/)
      assert.match(text, /# TYPE mosip_bridge_needs_attention gauge/)
      // Deliveries refused for their signature are counted (the websub tests sent some).
      const refused = /^mosip_bridge_websub_signature_failures_total (\d+)/m.exec(text)
      assert.ok(refused && Number(refused[1]) >= 1, 'signature failures counted')
      assert.match(text, /^mosip_bridge_build_info\{version="\d+\.\d+\.\d+",node="[\d.]+"\} 1/m)
      // The process's own figures carry the prefix once.
      assert.match(text, /^mosip_bridge_process_cpu_seconds_total \d/m)
      assert.doesNotMatch(text, /mosip_bridge_process_process_/)
    })

    it('measures partner calls, jobs and requests, and serves them on METRICS_PORT too', async () => {
      const metricsUrl = bridge.metricsUrl
      assert.ok(metricsUrl, 'METRICS_PORT listener started')
      // Nothing listens at MOSIP's address: logins fail without a connection, submissions wait.
      let text = ''
      await waitFor('a failed MOSIP login and a submit-packet attempt to be measured', async () => {
        const response = await fetch(`${metricsUrl}/metrics`)
        text = await response.text()
        return (
          response.status === 200 &&
          /mosip_bridge_partner_call_duration_seconds_count\{partner="mosip_auth",operation="login",outcome="network"\} [1-9]/.test(
            text
          ) &&
          /mosip_bridge_job_duration_seconds_count\{task="submit-packet",outcome="snoozed"\} [1-9]/.test(
            text
          )
        )
      })
      assert.match(
        text,
        /mosip_bridge_http_request_duration_seconds_count\{route="\/events\/registration",method="POST",status_class="2xx"\} [1-9]/
      )
      assert.match(text, /mosip_bridge_registrations\{state="received",kind="birth"\} \d+/)
      // Only /metrics there; the main port keeps serving it without credentials.
      assert.equal((await fetch(`${metricsUrl}/health`)).status, 404)
      assert.equal((await fetch(`${url}/metrics`)).status, 200)
    })

    it('serves the OpenAPI document', async () => {
      const response = await fetch(`${url}/documentation/json`)
      assert.equal(response.status, 200)
      const document = (await response.json()) as { paths: Record<string, unknown> }
      assert.ok(document.paths['/events/registration'])
    })
  })
})
