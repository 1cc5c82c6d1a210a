/**
 * `POST /verify` end to end: the bridge's HTTP app on a real socket, the simulated MOSIP IDA on
 * another, the bridge's keys written to files as a deployment has them.
 */
import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import {
  createCertifiedKey,
  createMosipSimulator,
  IDA_SERVICE,
  toPkcs12,
  type MosipSimulator
} from '@mosip-bridge/simulators'
import { formatProblems, loadConfig, type BridgeConfig } from '../src/config/index.js'
import { IDA_NOT_CONFIGURED, type IdaVerifier } from '../src/core/ida-verification.js'
import { buildApp } from '../src/http/build-app.js'
import { registerVerifyRoutes } from '../src/http/routes/verify.route.js'
import { withPerCallerRateLimit } from '../src/http/rate-limit.js'
import { createIdaVerifier } from '../src/integrations/ida/index.js'
import { OpencrvsJwtVerifier } from '../src/integrations/opencrvs/jwt-verifier.js'
import { OpencrvsPublicKey } from '../src/integrations/opencrvs/public-key.js'
import { createLogger, type Logger } from '../src/observability/logger.js'
import { createStore, type Store } from '../src/store/database.js'
import { TestOpencrvsKeys } from './helpers/opencrvs-keys.js'
import { LogSink, waitFor } from '@mosip-bridge/test-support'

const PASSWORD = 'verify-test-p12'

const CHANDA = {
  uin: '5836471920',
  vid: '6491527384012569',
  body: {
    nid: '5836471920',
    dob: '1990-04-12',
    name: { firstname: 'Chanda', middlename: 'Mwila', surname: 'Bwalya' },
    gender: 'female',
    transactionId: 'opencrvs-tx-1'
  }
}

interface RunningApp {
  app: FastifyInstance
  url: string
  store: Store
}

describe('POST /verify against the IDA simulator', () => {
  const keys = new TestOpencrvsKeys()
  const logs = new LogSink()
  let logger: Logger
  let dir: string
  let mosip: MosipSimulator
  let files: { sign: string; cert: string }
  let baseEnv: Record<string, string>
  let main: RunningApp
  let token: string
  const extraApps: RunningApp[] = []

  function config(overrides: Record<string, string> = {}): BridgeConfig {
    const result = loadConfig({ ...baseEnv, ...overrides })
    if (!result.ok) throw new Error(formatProblems(result.problems))
    return result.config
  }

  async function startApp(
    bridgeConfig: BridgeConfig,
    ida: IdaVerifier = createIdaVerifier(bridgeConfig, logger)
  ): Promise<RunningApp> {
    const store = createStore({ kind: 'sqlite', sqlitePath: ':memory:' })
    const verifier = new OpencrvsJwtVerifier({
      publicKey: new OpencrvsPublicKey({ url: bridgeConfig.opencrvs.publicKeyUrl }),
      audiences: bridgeConfig.pipeline.jwtAudiences
    })
    const app = buildApp({
      logger,
      store,
      routes: [
        (instance) =>
          withPerCallerRateLimit(instance, bridgeConfig.ida.rateLimitPerMinute, (scoped) =>
            registerVerifyRoutes(scoped, {
              verifier,
              ida,
              requiredScope: bridgeConfig.ida.verifyScope,
              mismatchDetails: bridgeConfig.ida.mismatchDetails
            })
          )
      ]
    })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    return { app, url, store }
  }

  async function stopApp(running: RunningApp): Promise<void> {
    await running.app.close()
    await running.store.close()
  }

  async function verify(
    target: RunningApp,
    body: unknown,
    headers: Record<string, string> = {}
  ): Promise<Response> {
    return fetch(`${target.url}/verify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...headers
      },
      body: JSON.stringify(body)
    })
  }

  const json = { accept: 'application/json' }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verify-test-'))
    logger = createLogger({ level: 'info', destination: logs })
    const keyServer = await keys.start()
    mosip = await createMosipSimulator({
      ida: {
        identities: [
          {
            uin: CHANDA.uin,
            vids: [CHANDA.vid],
            name: { eng: 'Chanda Mwila Bwalya' },
            dob: '1990/04/12',
            gender: 'female'
          },
          { uin: '7319402856', name: { eng: 'Joseph Banda' }, dob: '1985/11/30', gender: 'male' }
        ]
      }
    })
    const material = mosip.ida.bridgeMaterial(PASSWORD)
    files = { sign: join(dir, 'sign.p12'), cert: join(dir, 'ida-partner.crt') }
    writeFileSync(files.sign, material.signKeystore)
    writeFileSync(files.cert, material.idaCertificatePem)
    baseEnv = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      OPENCRVS_PUBLIC_KEY_URL: `${keyServer}/.well-known`,
      IDA_AUTH_URL: `${mosip.url}/idauthentication/v1/auth`,
      IDA_AUTH_DOMAIN_URI: mosip.url,
      PARTNER_MISP_LK: mosip.idaOptions.mispLicenseKey,
      PARTNER_ID: mosip.idaOptions.partnerId,
      PARTNER_APIKEY: mosip.idaOptions.apiKey,
      ENCRYPT_CERT_PATH: files.cert,
      SIGN_P12_FILE_PATH: files.sign,
      SIGN_P12_FILE_PASSWORD: PASSWORD,
      OUTBOUND_TIMEOUT_MS: '1500'
    }
    // The main app returns IDA's reasons and has no rate limit; the defaults are tested apart.
    main = await startApp(
      config({
        IDA_INDIVIDUAL_ID_TYPE: 'auto',
        VERIFY_MISMATCH_DETAILS: 'true',
        VERIFY_RATE_LIMIT_PER_MINUTE: '0'
      })
    )
    token = await keys.actionToken()
  })

  after(async () => {
    for (const running of [main, ...extraApps]) if (running) await stopApp(running)
    await mosip?.close()
    await keys.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  beforeEach(() => {
    mosip.sim.clearFaults()
    mosip.ida.clearFaults()
    mosip.ida.clearAttempts()
    mosip.sim.clearRequests()
  })

  it('answers verified (text/plain) for a matching identity', async () => {
    const response = await verify(main, CHANDA.body)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/)
    assert.equal(await response.text(), 'verified')

    const [attempt] = mosip.ida.attempts()
    assert.ok(attempt)
    assert.equal(attempt.authStatus, true)
    assert.equal(attempt.individualIdType, 'UIN')
    assert.deepEqual(attempt.demographics, {
      dob: '1990/04/12',
      name: [{ language: 'eng', value: 'Chanda Mwila Bwalya' }],
      gender: [{ language: 'eng', value: 'female' }]
    })
  })

  it('sends the request IDA expects on the wire', async () => {
    await verify(main, CHANDA.body)
    const [request] = mosip.sim.requests(IDA_SERVICE)
    assert.ok(request?.body)
    const { mispLicenseKey, partnerId, apiKey } = mosip.idaOptions
    assert.equal(request.url, `/idauthentication/v1/auth/${mispLicenseKey}/${partnerId}/${apiKey}`)
    assert.equal(request.headers.authorization, 'Authorization')
    assert.match(request.headers['content-type'] as string, /^application\/json/)
    const signature = request.headers.signature as string
    assert.match(signature, /^[\w-]+\.\.[\w-]+$/, 'a detached JWS')
    const header = JSON.parse(
      Buffer.from(signature.split('.')[0] ?? '', 'base64url').toString('utf8')
    ) as { alg: string; x5c: string[] }
    assert.equal(header.alg, 'RS256')
    assert.match(
      Buffer.from(header.x5c[0] ?? '', 'base64url').toString('utf8'),
      /^-----BEGIN CERTIFICATE-----/
    )

    const body = JSON.parse(request.body) as Record<string, unknown>
    assert.equal(body.id, 'mosip.identity.auth')
    assert.equal(body.version, '1.0')
    assert.equal(body.specVersion, '1.0')
    assert.equal(body.individualId, CHANDA.uin)
    assert.match(body.transactionID as string, /^\d{10}$/)
    assert.match(body.requestTime as string, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    assert.equal(body.domainUri, mosip.url)
    assert.equal(body.env, 'Staging')
    assert.equal(body.consentObtained, true)
    assert.deepEqual(body.requestedAuth, { demo: true, pin: false, otp: false, bio: false })
    assert.equal(
      body.thumbprint,
      mosip.ida.encryptionKey.thumbprint.toString('base64url') + '=',
      'padded base64url of SHA-256 over the IDA certificate'
    )
    for (const field of ['request', 'requestHMAC']) {
      assert.match(body[field] as string, /^[\w-]+=*$/)
      assert.equal((body[field] as string).length % 4, 0, `${field} is padded`)
    }
    // The AES key under RSA-2048 OAEP: 256 bytes, unpadded base64url.
    assert.equal(Buffer.from(body.requestSessionKey as string, 'base64url').length, 256)
    // Personal data only ever travels encrypted.
    assert.ok(!request.body.includes('Chanda'))
    assert.ok(!request.body.includes('1990'))
  })

  it('answers JSON when the caller asks for it', async () => {
    const response = await verify(main, CHANDA.body, json)
    assert.equal(response.status, 200)
    const body = (await response.json()) as Record<string, unknown>
    assert.equal(body.status, 'verified')
    assert.equal(body.transactionId, 'opencrvs-tx-1')
    assert.match(body.idaTransactionId as string, /^\d{10}$/)
    assert.deepEqual(body.errors, [])
  })

  it('answers failed with IDA-DEA-001 for a wrong name', async () => {
    const wrongName = { ...CHANDA.body, name: { firstname: 'Chanda', surname: 'Phiri' } }
    const text = await verify(main, wrongName)
    assert.equal(text.status, 200)
    assert.equal(await text.text(), 'failed')

    const response = await verify(main, wrongName, json)
    const body = (await response.json()) as { status: string; errors: unknown[] }
    assert.equal(body.status, 'failed')
    assert.deepEqual(body.errors, [
      {
        errorCode: 'IDA-DEA-001',
        errorMessage: 'Demographic data name in eng did not match',
        actionMessage: 'Please re-enter your name in eng',
        reason: 'demographic-mismatch',
        attribute: 'name',
        language: 'eng'
      }
    ])
  })

  it("by default returns only IDA's codes for a mismatch, and limits each caller's calls", async () => {
    const defaults = await startApp(config({ VERIFY_RATE_LIMIT_PER_MINUTE: '3' }))
    extraApps.push(defaults)
    const wrongName = { ...CHANDA.body, name: { firstname: 'Chanda', surname: 'Phiri' } }
    const first = await verify(defaults, wrongName, json)
    const body = (await first.json()) as { status: string; errors: Array<Record<string, unknown>> }
    assert.equal(body.status, 'failed')
    assert.deepEqual(body.errors, [
      {
        errorCode: 'IDA-DEA-001',
        errorMessage: 'IDA did not authenticate the person; see the error code',
        reason: 'IDA-DEA-001'
      }
    ])
    assert.equal((await verify(defaults, CHANDA.body)).status, 200)
    assert.equal((await verify(defaults, CHANDA.body)).status, 200)
    const limited = await verify(defaults, CHANDA.body)
    assert.equal(limited.status, 429)
    assert.ok(Number(limited.headers.get('retry-after')) > 0)
    assert.match(((await limited.json()) as { message: string }).message, /3 calls a minute/)
    // Another caller has its own allowance.
    const other = await keys.actionToken({ sub: 'registrar-2' })
    const response = await fetch(`${defaults.url}/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${other}` },
      body: JSON.stringify(CHANDA.body)
    })
    assert.equal(response.status, 200)
  })

  it('answers failed with IDA-DEA-001 for a wrong date of birth', async () => {
    const response = await verify(main, { ...CHANDA.body, dob: '1990-04-13' }, json)
    assert.equal(response.status, 200)
    const body = (await response.json()) as {
      status: string
      errors: Array<{ errorCode: string; attribute?: string }>
    }
    assert.equal(body.status, 'failed')
    assert.deepEqual(
      body.errors.map((error) => [error.errorCode, error.attribute]),
      [['IDA-DEA-001', 'dob']]
    )
  })

  it('answers failed with IDA-MLC-002 for an unknown UIN', async () => {
    const response = await verify(main, { ...CHANDA.body, nid: '1111111111' }, json)
    assert.equal(response.status, 200)
    const body = (await response.json()) as {
      status: string
      errors: Array<{ errorCode: string; reason: string }>
    }
    assert.equal(body.status, 'failed')
    assert.deepEqual(
      body.errors.map((error) => [error.errorCode, error.reason]),
      [['IDA-MLC-002', 'unknown-id']]
    )
    assert.equal(await (await verify(main, { ...CHANDA.body, nid: '1111111111' })).text(), 'failed')
  })

  it("answers failed for a UIN or VID MOSIP deactivated (IDA 1.2's IDA-MLC-022 / IDA-MLC-023)", async () => {
    mosip.ida.setIdentityStatus(CHANDA.uin, 'DEACTIVATED')
    try {
      for (const [nid, code] of [
        [CHANDA.uin, 'IDA-MLC-022'],
        [CHANDA.vid, 'IDA-MLC-023']
      ] as const) {
        const response = await verify(main, { ...CHANDA.body, nid }, json)
        assert.equal(response.status, 200)
        const body = (await response.json()) as {
          status: string
          errors: Array<{ errorCode: string; reason: string }>
        }
        assert.equal(body.status, 'failed', code)
        assert.deepEqual(
          body.errors.map((error) => [error.errorCode, error.reason]),
          [[code, 'deactivated-id']]
        )
      }
    } finally {
      mosip.ida.setIdentityStatus(CHANDA.uin, 'ACTIVATED')
    }
  })

  it('sends a VID as a VID when IDA_INDIVIDUAL_ID_TYPE=auto', async () => {
    const response = await verify(main, { ...CHANDA.body, nid: CHANDA.vid })
    assert.equal(await response.text(), 'verified')
    assert.equal(mosip.ida.attempts()[0]?.individualIdType, 'VID')
  })

  it('sends every id as a UIN by default, as mosip-api does', async () => {
    const uinOnly = await startApp(config())
    extraApps.push(uinOnly)
    assert.equal(await (await verify(uinOnly, CHANDA.body)).text(), 'verified')
    const response = await verify(uinOnly, { ...CHANDA.body, nid: CHANDA.vid }, json)
    const body = (await response.json()) as { errors: Array<{ errorCode: string }> }
    assert.equal(body.errors[0]?.errorCode, 'IDA-MLC-002')
    assert.deepEqual(
      mosip.ida.attempts().map((attempt) => attempt.individualIdType),
      ['UIN', 'UIN']
    )
  })

  describe('IDA unavailable: 503, never failed', () => {
    it('when IDA refuses connections', async () => {
      mosip.sim.setFaults(IDA_SERVICE, { outage: true })
      const response = await verify(main, CHANDA.body)
      assert.equal(response.status, 503)
      const body = (await response.json()) as { code: string; message: string }
      assert.equal(body.code, 'IDA_UNAVAILABLE')
      assert.match(body.message, /unavailable/)
    })

    it('when IDA does not answer in time', async () => {
      mosip.sim.setFaults(IDA_SERVICE, { latencyMs: 3000 })
      const started = Date.now()
      const response = await verify(main, CHANDA.body)
      assert.equal(response.status, 503)
      assert.ok(Date.now() - started < 2900, 'the bridge gave up at OUTBOUND_TIMEOUT_MS')
      // IDA still answers the abandoned request later; let it, so it does not land in a later test.
      await waitFor('IDA to answer the abandoned request', () => mosip.ida.attempts().length === 1)
    })

    it('when IDA answers 5xx or 429', async () => {
      for (const errorStatus of [500, 502, 503, 429]) {
        mosip.sim.setFaults(IDA_SERVICE, { errorRate: 1, errorStatus })
        const response = await verify(main, CHANDA.body, json)
        assert.equal(response.status, 503, `HTTP ${errorStatus}`)
      }
    })

    it('when IDA says it could not process the request (IDA-MLC-007)', async () => {
      mosip.ida.failNext({
        errorCode: 'IDA-MLC-007',
        errorMessage: 'Request could not be processed. Please try again'
      })
      const response = await verify(main, CHANDA.body)
      assert.equal(response.status, 503)
      assert.equal(((await response.json()) as { code: string }).code, 'IDA_UNABLE_TO_PROCESS')
    })

    it('when nothing listens at IDA_AUTH_URL', async () => {
      const closed = await startApp(
        config({ IDA_AUTH_URL: 'http://127.0.0.1:9/idauthentication/v1/auth' })
      )
      extraApps.push(closed)
      assert.equal((await verify(closed, CHANDA.body)).status, 503)
    })
  })

  describe('IDA checks the bridge: signature, certificate, HMAC, keys', () => {
    it('refuses a request whose body was altered after signing (IDA-MPA-001): 502', async () => {
      // A proxy between the bridge and IDA changes one byte of the signed body.
      const proxy = await startTamperingProxy(mosip.url, (body) =>
        body.replace(/"transactionID":"(\d)/, (_m, digit: string) => {
          return `"transactionID":"${digit === '9' ? '1' : '9'}`
        })
      )
      try {
        const viaProxy = await startApp(
          config({ IDA_AUTH_URL: `${proxy.url}/idauthentication/v1/auth` })
        )
        extraApps.push(viaProxy)
        const response = await verify(viaProxy, CHANDA.body)
        assert.equal(response.status, 502)
        assert.equal(((await response.json()) as { code: string }).code, 'IDA_PARTNER_REJECTED')
        const [attempt] = mosip.ida.attempts()
        assert.deepEqual(
          attempt?.errors.map((error) => error.errorCode),
          ['IDA-MPA-001'],
          'the simulator verified the signature and refused it'
        )
      } finally {
        await proxy.close()
      }
    })

    it('refuses a keystore IDA does not know (IDA-MPA-021): 502, not failed', async () => {
      const foreign = join(dir, 'foreign.p12')
      writeFileSync(foreign, toPkcs12(createCertifiedKey('someone-else'), PASSWORD))
      const intruder = await startApp(config({ SIGN_P12_FILE_PATH: foreign }))
      extraApps.push(intruder)
      const response = await verify(intruder, CHANDA.body)
      assert.equal(response.status, 502)
      assert.equal(((await response.json()) as { code: string }).code, 'IDA_PARTNER_REJECTED')
      assert.deepEqual(
        mosip.ida.attempts()[0]?.errors.map((error) => error.errorCode),
        ['IDA-MPA-021']
      )
    })

    it('refuses a request encrypted to a certificate IDA does not hold (IDA-MPA-003)', async () => {
      // As after IDA rotated its key while the bridge still has the old certificate.
      const stale = join(dir, 'stale-ida.crt')
      writeFileSync(stale, createCertifiedKey('IDA-PARTNER-ENCRYPT').certificatePem)
      const staleApp = await startApp(config({ ENCRYPT_CERT_PATH: stale }))
      extraApps.push(staleApp)
      const response = await verify(staleApp, CHANDA.body)
      assert.equal(response.status, 502)
      assert.deepEqual(
        mosip.ida.attempts()[0]?.errors.map((error) => error.errorCode),
        ['IDA-MPA-003']
      )
    })

    it('refuses a wrong API key or licence key (IDA-MPA-009 / IDA-MPA-007)', async () => {
      const wrongKey = await startApp(config({ PARTNER_APIKEY: '999999' }))
      const wrongLicence = await startApp(config({ PARTNER_MISP_LK: 'not-the-licence' }))
      extraApps.push(wrongKey, wrongLicence)
      assert.equal((await verify(wrongKey, CHANDA.body)).status, 502)
      assert.equal((await verify(wrongLicence, CHANDA.body)).status, 502)
      assert.deepEqual(
        mosip.ida.attempts().map((attempt) => attempt.errors[0]?.errorCode),
        ['IDA-MPA-009', 'IDA-MPA-007']
      )
    })
  })

  describe('the route', () => {
    it('refuses a missing or forged OpenCRVS token with 401', async () => {
      const response = await fetch(`${main.url}/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(CHANDA.body)
      })
      assert.equal(response.status, 401)
      const forged = await keys.actionToken({}, { key: createCertifiedKey('x').privateKey })
      const refused = await fetch(`${main.url}/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${forged}` },
        body: JSON.stringify(CHANDA.body)
      })
      assert.equal(refused.status, 401)
      const badBody = await fetch(`${main.url}/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ nid: '' })
      })
      assert.equal(badBody.status, 401, 'the token is checked before the body')
      assert.equal(mosip.ida.attempts().length, 0)
    })

    it('requires VERIFY_REQUIRED_SCOPE when configured (403)', async () => {
      const scoped = await startApp(config({ VERIFY_REQUIRED_SCOPE: 'record.verify-id' }))
      extraApps.push(scoped)
      const response = await verify(scoped, CHANDA.body)
      assert.equal(response.status, 403)
      const withScope = await keys.actionToken({ scope: ['type=record.verify-id'] })
      const allowed = await fetch(`${scoped.url}/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${withScope}` },
        body: JSON.stringify(CHANDA.body)
      })
      assert.equal(await allowed.text(), 'verified')
    })

    it('answers bad bodies with a 400 naming the problem, without asking IDA', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ ...CHANDA.body, dob: '12/04/1990' }, /dob: must be a date YYYY-MM-DD/],
        [{ ...CHANDA.body, dob: '1990-02-30' }, /dob/],
        [{ ...CHANDA.body, nid: '' }, /nid/],
        [{ ...CHANDA.body, nid: '58364 71920' }, /nid/],
        [{ ...CHANDA.body, name: { firstname: ' ', surname: '' } }, /name/],
        [{ dob: '1990-04-12' }, /nid.*name|name.*nid/s]
      ]
      for (const [body, message] of cases) {
        const response = await verify(main, body)
        assert.equal(response.status, 400, JSON.stringify(body))
        const answer = (await response.json()) as { message: string }
        assert.match(answer.message, message)
        assert.ok(!answer.message.includes('Chanda'), 'messages do not quote values')
      }
      const exact = await verify(main, { ...CHANDA.body, dob: '12/04/1990', nid: '' })
      assert.deepEqual(await exact.json(), {
        statusCode: 400,
        error: 'Bad Request',
        message:
          'nid: is required; nid: must be a UIN or VID (letters, digits, -); dob: must be a date YYYY-MM-DD'
      })
      const notAnObject = await verify(main, 'verify me')
      assert.equal(
        ((await notAnObject.json()) as { message: string }).message,
        'the body must be a JSON object'
      )
      assert.equal(mosip.ida.attempts().length, 0)
    })

    it('accepts the reference name shape without a middle name', async () => {
      const joseph = {
        nid: '7319402856',
        dob: '1985-11-30',
        name: { firstname: 'Joseph', surname: 'Banda' }
      }
      assert.equal(await (await verify(main, joseph)).text(), 'verified')
    })

    it('answers 503 IDA_NOT_CONFIGURED when the keystore could not be loaded', async () => {
      const broken = config({ SIGN_P12_FILE_PATH: join(dir, 'missing.p12') })
      const ida = createIdaVerifier(broken, logger)
      assert.equal(ida.status.available, false)
      const unconfigured = await startApp(broken, ida)
      extraApps.push(unconfigured)
      const response = await verify(unconfigured, CHANDA.body)
      assert.equal(response.status, 503)
      const body = (await response.json()) as { code: string; message: string }
      assert.equal(body.code, IDA_NOT_CONFIGURED)
      assert.ok(!body.message.includes(dir), 'the 503 does not reveal file paths')
      assert.equal(mosip.ida.attempts().length, 0)
      assert.match(logs.text(), /SIGN_P12_FILE_PATH/)
    })

    it('answers 503 when the keystore password is wrong, without logging it', async () => {
      const ida = createIdaVerifier(
        config({ SIGN_P12_FILE_PASSWORD: 'wrong-password-123' }),
        logger
      )
      assert.equal(ida.status.available, false)
      assert.ok(!logs.text().includes('wrong-password-123'))
    })
  })

  it('never logs personal data, tokens or partner keys', () => {
    const text = logs.text()
    assert.ok(text.length > 0)
    assert.match(text, /"event":"ida.auth"/)
    for (const secret of [
      'Chanda',
      'Mwila',
      'Bwalya',
      'Joseph',
      '1990/04/12',
      '1990-04-12',
      CHANDA.uin,
      CHANDA.vid,
      mosip.idaOptions.mispLicenseKey,
      PASSWORD,
      token
    ]) {
      assert.ok(!text.includes(secret), `the logs contain ${secret}`)
    }
  })
})

interface Proxy {
  url: string
  close(): Promise<void>
}

/** Forwards requests to `target`, passing POST bodies through `tamper` first. */
async function startTamperingProxy(
  target: string,
  tamper: (body: string) => string
): Promise<Proxy> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = tamper(Buffer.concat(chunks).toString('utf8'))
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name))
          headers[name] = value
      }
      void fetch(`${target}${request.url ?? ''}`, {
        method: request.method ?? 'POST',
        headers,
        body
      })
        .then(async (upstream) => {
          response.writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? 'application/json'
          })
          response.end(await upstream.text())
        })
        .catch(() => {
          response.writeHead(502)
          response.end()
        })
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      server.close()
      await once(server, 'close')
    }
  }
}
