import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import pino from 'pino'
import { checkDataShareUri, classifyDataShareFetch } from '../src/core/datashare.js'
import { Snooze } from '../src/core/job-failure.js'
import { ok, permanent, retry, type Outcome } from '../src/core/outcome.js'
import type { CredentialDecryptor, DataShareGateway, IssuedCredential } from '../src/core/ports.js'
import type { MosipTokenSource } from '../src/integrations/mosip/auth-token.js'
import { MosipDataShareClient } from '../src/integrations/mosip/datashare.client.js'
import { processCredentialJob } from '../src/pipeline/process-credential.job.js'
import type { Tasks } from '../src/pipeline/tasks.js'
import { JobQueue, type ClaimedJob } from '../src/queue/job-queue.js'
import type { JobContext } from '../src/queue/job-runner.js'
import { RegistrationsRepository } from '../src/store/registrations.repository.js'
import { SecretBox } from '../src/store/secret-box.js'
import { WebsubInboxRepository } from '../src/store/websub-inbox.repository.js'
import {
  DIALECTS,
  TEST_KEY,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'

const MOSIP = 'https://api-internal.mosip.example'

describe('which data share URIs the bridge reads', () => {
  it('only http(s) URIs on an allowed origin, compared by scheme, host and port', () => {
    const allowed = [MOSIP, 'http://datashare.datashare']
    assert.equal(checkDataShareUri(`${MOSIP}/v1/datashare/get/p/crvs/Ab12`, allowed).ok, true)
    assert.equal(checkDataShareUri(`${MOSIP}:443/v1/datashare/get/x`, allowed).ok, true)
    assert.equal(
      checkDataShareUri('http://datashare.datashare/v1/datashare/get/x', allowed).ok,
      true
    )
    for (const [uri, code, origin] of [
      [
        'https://evil.example/v1/datashare/get/x',
        'DATASHARE_ORIGIN_NOT_ALLOWED',
        'https://evil.example'
      ],
      [
        `http://api-internal.mosip.example/x`,
        'DATASHARE_ORIGIN_NOT_ALLOWED',
        'http://api-internal.mosip.example'
      ],
      [`${MOSIP}:8443/x`, 'DATASHARE_ORIGIN_NOT_ALLOWED', `${MOSIP}:8443`],
      [
        'https://api-internal.mosip.example.evil.example/x',
        'DATASHARE_ORIGIN_NOT_ALLOWED',
        'https://api-internal.mosip.example.evil.example'
      ],
      ['https://user:pw@api-internal.mosip.example/x', 'DATASHARE_URI_INVALID', undefined],
      ['file:///etc/passwd', 'DATASHARE_URI_INVALID', undefined],
      ['/v1/datashare/get/x', 'DATASHARE_URI_INVALID', undefined],
      ['not a uri', 'DATASHARE_URI_INVALID', undefined]
    ] as const) {
      const checked = checkDataShareUri(uri, allowed)
      assert.equal(checked.ok, false, uri)
      if (!checked.ok) {
        assert.equal(checked.code, code, uri)
        assert.equal(checked.origin, origin, uri)
      }
    }
  })
})

describe("classifying a data share's answer", () => {
  const NOW = 1_000_000
  const classify = (exchange: Parameters<typeof classifyDataShareFetch>[0]) =>
    classifyDataShareFetch(exchange, NOW)

  it('gives the credential text of a 200', () => {
    assert.deepEqual(
      classify({ status: 200, body: 'VkVSX1IyXLUj', text: 'VkVSX1IyXLUj\n' }),
      ok('VkVSX1IyXLUj')
    )
  })

  it('waits out outages and a refused token, gives up on what no retry fixes', () => {
    const table: Array<[Parameters<typeof classifyDataShareFetch>[0], string, string]> = [
      [
        { error: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) },
        'retry',
        'MOSIP_DATASHARE_UNREACHABLE'
      ],
      [{ status: 503 }, 'retry', 'MOSIP_DATASHARE_HTTP_503'],
      [{ status: 429, retryAfter: '7' }, 'retry', 'MOSIP_DATASHARE_THROTTLED'],
      [{ status: 401 }, 'retry', 'MOSIP_AUTH_REJECTED'],
      [
        {
          status: 200,
          body: { errors: [{ errorCode: 'KER-ATH-401', message: 'Authentication Failed' }] }
        },
        'retry',
        'MOSIP_AUTH_REJECTED'
      ],
      [
        {
          status: 200,
          body: { errors: [{ errorCode: 'DAT-SER-002', message: 'API not accessible' }] }
        },
        'retry',
        'MOSIP_DATASHARE_ERROR'
      ],
      [
        {
          status: 200,
          body: {
            id: 'mosip.data.share',
            dataShare: null,
            errors: [{ errorCode: 'DAT-SER-006', message: 'Data share usuage expired' }]
          }
        },
        'permanent',
        'DATASHARE_EXPIRED'
      ],
      [
        { status: 200, body: { errors: [{ errorCode: 'DAT-SER-007', message: 'policy' }] } },
        'permanent',
        'DATASHARE_ERROR'
      ],
      [{ status: 200, tooLarge: true }, 'permanent', 'DATASHARE_TOO_LARGE'],
      [{ status: 302 }, 'permanent', 'DATASHARE_REDIRECTED'],
      [{ status: 404 }, 'permanent', 'DATASHARE_NOT_FOUND'],
      [{ status: 400 }, 'permanent', 'DATASHARE_HTTP_400'],
      [{ status: 200, text: '  ' }, 'permanent', 'DATASHARE_EMPTY']
    ]
    for (const [exchange, kind, code] of table) {
      const outcome = classify(exchange)
      assert.equal(outcome.kind, kind, code)
      assert.equal((outcome as { code?: string }).code, code)
    }
    assert.equal((classify({ status: 429, retryAfter: '7' }) as { afterMs?: number }).afterMs, 7000)
  })
})

describe('reading a data share over HTTP', () => {
  let server: Server
  let base: string
  const seen: Array<{ url: string; cookie: string | undefined }> = []
  const BIG = 'A'.repeat(64 * 1024)

  before(async () => {
    server = createServer((request, response) => {
      seen.push({ url: request.url ?? '', cookie: request.headers.cookie })
      if (request.url === '/share/small') return response.end('VkVSX1IyXLUj')
      if (request.url === '/share/big') return response.end(BIG)
      if (request.url === '/share/big-unannounced') {
        response.writeHead(200, { 'transfer-encoding': 'chunked' })
        for (let i = 0; i < 16; i++) response.write(BIG.slice(0, 8 * 1024))
        return response.end()
      }
      if (request.url === '/share/gzip-bomb') {
        response.writeHead(200, { 'content-encoding': 'gzip' })
        return response.end(gzipSync(Buffer.alloc(512 * 1024, 0x41)))
      }
      if (request.url === '/share/moved') {
        response.writeHead(302, { location: 'https://elsewhere.example/share' })
        return response.end()
      }
      response.writeHead(404).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const tokens = {
    withToken: <T>(call: (token: string) => Promise<Outcome<T>>) => call('mosip-token')
  } as unknown as MosipTokenSource
  const client = () =>
    new MosipDataShareClient({
      allowedOrigins: [base],
      maxBytes: 16 * 1024,
      tokens,
      timeoutMs: 2000
    })

  it('reads the credential with the partner login cookie', async () => {
    assert.deepEqual(await client().fetch(new URL(`${base}/share/small`)), ok('VkVSX1IyXLUj'))
    assert.equal(seen.at(-1)?.cookie, 'Authorization=mosip-token')
  })

  it('stops reading past MOSIP_DATASHARE_MAX_BYTES, announced, streamed or compressed', async () => {
    for (const path of ['/share/big', '/share/big-unannounced', '/share/gzip-bomb']) {
      const outcome = await client().fetch(new URL(`${base}${path}`))
      assert.equal(outcome.kind, 'permanent', path)
      assert.equal((outcome as { code: string }).code, 'DATASHARE_TOO_LARGE', path)
    }
  })

  it('follows no redirect and reports a missing share', async () => {
    const before = seen.length
    const moved = await client().fetch(new URL(`${base}/share/moved`))
    assert.equal((moved as { code: string }).code, 'DATASHARE_REDIRECTED')
    assert.equal(seen.length, before + 1, 'one request, to the allowed origin only')
    const missing = await client().fetch(new URL(`${base}/share/gone`))
    assert.equal((missing as { code: string }).code, 'DATASHARE_NOT_FOUND')
  })

  it('waits when the datashare does not answer', async () => {
    const closed = new MosipDataShareClient({
      allowedOrigins: ['http://127.0.0.1:9'],
      maxBytes: 1024,
      tokens,
      timeoutMs: 500
    })
    const outcome = await closed.fetch(new URL('http://127.0.0.1:9/share'))
    assert.equal(outcome.kind, 'retry')
  })
})

/** Decrypts "vc:<subject id>" to a credential with that subject id and a UIN. */
const decryptor: CredentialDecryptor = {
  async decrypt(text) {
    if (!text.startsWith('vc:')) return permanent('CREDENTIAL_MALFORMED', 'not a test credential')
    const credential: IssuedCredential = {
      subjectRegistrationId: text.slice(3),
      subject: { UIN: '9876543210' }
    }
    return ok(credential)
  }
}

for (const dialect of DIALECTS) {
  describe(
    `a credential delivered by reference on ${dialect}`,
    await dialectSuiteOptions(dialect),
    () => {
      let ctx: MigratedStore
      let registrations: RegistrationsRepository
      let inbox: WebsubInboxRepository
      let queue: JobQueue<Tasks>
      const shares = new Map<string, Outcome<string>>()
      const fetched: string[] = []
      const dataShare: DataShareGateway = {
        allowedOrigins: [MOSIP],
        fetch: async (url) => {
          fetched.push(url.href)
          return shares.get(url.href) ?? permanent('DATASHARE_NOT_FOUND', 'no such share')
        }
      }
      let handle: ReturnType<typeof processCredentialJob>
      const context = (): JobContext => ({
        job: { attempts: 1, max_attempts: 3 } as ClaimedJob,
        signal: new AbortController().signal,
        logger: pino({ level: 'silent' })
      })

      before(async () => {
        ctx = await createMigratedStore(dialect)
        const box = new SecretBox(TEST_KEY)
        registrations = new RegistrationsRepository(ctx.store.db, box)
        inbox = new WebsubInboxRepository(ctx.store.db, box)
        queue = new JobQueue<Tasks>(ctx.store, {
          maxAttempts: 3,
          backoff: { baseMs: 10, maxMs: 10 }
        })
        handle = processCredentialJob({
          store: ctx.store,
          inbox,
          registrations,
          queue,
          decryptor,
          dataShare,
          nationalIdKey: 'UIN'
        })
      })
      after(() => ctx?.drop())

      async function submitted(id: string) {
        await registrations.createOrFind(ctx.store.db, {
          id,
          kind: 'birth',
          opencrvsEventId: `event-${id}`,
          idempotencyKey: `key-${id}`
        })
        for (const state of ['packet_created', 'submitted'] as const) {
          await registrations.transition(ctx.store.db, id, state)
        }
      }

      function byReference(eventId: string, uri: string, registrationId: string) {
        return JSON.stringify({
          event: {
            id: eventId,
            dataShareUri: uri,
            data: { registrationId, credentialType: 'vercred', proof: { signature: 'x' } }
          }
        })
      }

      async function deliver(eventId: string, body: string) {
        await inbox.record(ctx.store.db, { eventId, topic: 'crvs/CREDENTIAL_ISSUED', body })
        return handle({ v: 1, eventId }, context())
      }

      it('fetches it from an allowed origin and processes it as an inline one, reading the share once', async () => {
        const id = '10001200420000120260309080507'
        await submitted(id)
        const uri = `${MOSIP}/v1/datashare/get/mpolicy/crvs_partner/Ab12Cd34`
        // The datashare is down at first: the job waits, and reads the share again later.
        shares.set(uri, retry('MOSIP_DATASHARE_UNREACHABLE', 'down'))
        await assert.rejects(deliver('evt-ref', byReference('evt-ref', uri, id)), Snooze)
        assert.equal((await inbox.get('evt-ref'))?.state, 'received')

        shares.set(uri, ok(`vc:${id}`))
        await handle({ v: 1, eventId: 'evt-ref' }, context())
        assert.equal((await inbox.get('evt-ref'))?.state, 'processed')
        const registration = await registrations.get(id)
        assert.equal(registration?.state, 'credential_received')
        assert.equal(await registrations.readNationalId(id), '9876543210')
        assert.deepEqual(fetched, [uri, uri])
      })

      it('keeps the fetched credential, so that a delivery waiting on its registration is not read twice', async () => {
        const id = '10001200420000220260309080508'
        await registrations.createOrFind(ctx.store.db, {
          id,
          kind: 'birth',
          opencrvsEventId: `event-${id}`,
          idempotencyKey: `key-${id}`
        })
        const uri = `${MOSIP}/v1/datashare/get/mpolicy/crvs_partner/Ef56Gh78`
        shares.set(uri, ok(`vc:${id}`))
        const before = fetched.length
        await assert.rejects(deliver('evt-early', byReference('evt-early', uri, id)), Snooze)
        for (const state of ['packet_created', 'submitted'] as const) {
          await registrations.transition(ctx.store.db, id, state)
        }
        shares.set(uri, permanent('DATASHARE_EXPIRED', 'used up'))
        await handle({ v: 1, eventId: 'evt-early' }, context())
        assert.equal((await inbox.get('evt-early'))?.state, 'processed')
        assert.equal(fetched.length, before + 1, 'the share was read once')
      })

      it('refuses a URI on another origin without calling it, and keeps the delivery', async () => {
        const before = fetched.length
        await deliver(
          'evt-evil',
          byReference('evt-evil', 'https://evil.example/v1/datashare/get/p/crvs/x', '1')
        )
        const entry = await inbox.get('evt-evil')
        assert.equal(entry?.state, 'invalid')
        assert.equal(entry?.note, 'DATASHARE_ORIGIN_NOT_ALLOWED')
        assert.notEqual(entry?.body_sealed, null, 'kept for an operator')
        assert.equal(fetched.length, before, 'never fetched')
      })

      it('keeps a delivery whose share is gone or too large, with the reason', async () => {
        const gone = `${MOSIP}/v1/datashare/get/p/crvs/gone`
        const large = `${MOSIP}/v1/datashare/get/p/crvs/large`
        shares.set(large, permanent('DATASHARE_TOO_LARGE', 'too large'))
        await deliver('evt-gone', byReference('evt-gone', gone, '1'))
        await deliver('evt-large', byReference('evt-large', large, '1'))
        for (const [eventId, note] of [
          ['evt-gone', 'DATASHARE_NOT_FOUND'],
          ['evt-large', 'DATASHARE_TOO_LARGE']
        ] as const) {
          const entry = await inbox.get(eventId)
          assert.equal(entry?.state, 'undecryptable', eventId)
          assert.equal(entry?.note, note, eventId)
          assert.notEqual(entry?.body_sealed, null, eventId)
        }
      })
    }
  )
}
