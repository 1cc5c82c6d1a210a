/**
 * `POST /esignet/get-oidp-user-info` end to end: the bridge's HTTP app on a real socket, the
 * simulated E-Signet on another (authorize, token with private_key_jwt, signed or encrypted
 * userinfo, JWKS, discovery), the relying party's key in a file as a deployment has it.
 */
import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import {
  createEsignetSimulator,
  ESIGNET_SERVICES,
  type EsignetSimulator
} from '@mosip-bridge/simulators'
import { formatProblems, loadConfig, type BridgeConfig } from '../src/config/index.js'
import { buildApp } from '../src/http/build-app.js'
import { registerEsignetRoutes } from '../src/http/routes/esignet.route.js'
import {
  createEsignetClient,
  type EsignetClientOverrides,
  type EsignetLogin
} from '../src/integrations/esignet/index.js'
import { OpencrvsJwtVerifier } from '../src/integrations/opencrvs/jwt-verifier.js'
import { OpencrvsPublicKey } from '../src/integrations/opencrvs/public-key.js'
import { createLogger, type Logger } from '../src/observability/logger.js'
import { createStore, type Store } from '../src/store/database.js'
import { LogSink } from '@mosip-bridge/test-support'
import { TestOpencrvsKeys } from './helpers/opencrvs-keys.js'

const CLIENT_ID = 'opencrvs-mosip-client'
const APP_ORIGIN = 'http://localhost:3000'
const REDIRECT_URI = `${APP_ORIGIN}/drafts/abc/review`
const STATE = 'fetch-on-mount'

const CHANDA = {
  individualId: '5836471920',
  given_name: 'Chanda',
  middle_name: 'Mwila',
  family_name: 'Bwalya',
  gender: 'Female',
  birthdate: '1990/04/12'
}
const GABRIEL = {
  individualId: '4410023958',
  name: 'Gabriel José García y Márquez',
  gender: 'male',
  birthdate: '1927-03-06'
}

interface RunningApp {
  app: FastifyInstance
  url: string
  store: Store
}

interface ErrorBody {
  statusCode: number
  code: string
  message: string
}

describe('POST /esignet/get-oidp-user-info against the E-Signet simulator', () => {
  const keys = new TestOpencrvsKeys()
  const logs = new LogSink()
  let logger: Logger
  let dir: string
  let esignet: EsignetSimulator
  let baseEnv: Record<string, string>
  let main: RunningApp
  let token: string
  const apps: RunningApp[] = []
  const seenSecrets: string[] = []

  function config(overrides: Record<string, string> = {}): BridgeConfig {
    const result = loadConfig({ ...baseEnv, ...overrides })
    if (!result.ok) throw new Error(formatProblems(result.problems))
    return result.config
  }

  async function startApp(
    bridgeConfig: BridgeConfig,
    overrides: EsignetClientOverrides = {},
    client: EsignetLogin = createEsignetClient(bridgeConfig, logger, overrides)
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
          registerEsignetRoutes(instance, {
            verifier,
            esignet: client,
            requiredScope: bridgeConfig.esignet.requiredScope,
            corsOrigin: bridgeConfig.server.clientAppUrl
          })
      ]
    })
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    const running = { app, url, store }
    apps.push(running)
    return running
  }

  /** Runs /authorize as the browser would and returns where E-Signet sent it back. */
  async function authorize(state = STATE, user?: string): Promise<{ code: string; page: string }> {
    if (user !== undefined) esignet.approveAs(user)
    const response = await fetch(
      esignet.authorizeUrl({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, state }),
      { redirect: 'manual' }
    )
    assert.equal(response.status, 302)
    const page = response.headers.get('location') ?? ''
    const code = new URL(page).searchParams.get('code') ?? ''
    assert.ok(code.length > 0)
    seenSecrets.push(code)
    esignet.approveAs(CHANDA.individualId)
    return { code, page }
  }

  async function login(
    target: RunningApp,
    params: { code: string; state?: string; page?: string; clientId?: string },
    headers: Record<string, string> = {}
  ): Promise<Response> {
    const query = new URLSearchParams({ code: params.code, state: params.state ?? STATE })
    return fetch(`${target.url}/esignet/get-oidp-user-info?${query}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...headers
      },
      body: JSON.stringify({
        clientId: params.clientId ?? CLIENT_ID,
        // OpenCRVS sends window.location.href: the page with E-Signet's query.
        redirectUri: params.page ?? `${REDIRECT_URI}?code=${params.code}&state=${STATE}`
      })
    })
  }

  async function loginOnce(target: RunningApp, user?: string): Promise<Response> {
    const { code, page } = await authorize(STATE, user)
    return login(target, { code, page })
  }

  function tokenRequests() {
    return esignet.sim
      .requests(ESIGNET_SERVICES.token)
      .map((request) => new URLSearchParams(request.body ?? ''))
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'esignet-test-'))
    logger = createLogger({ level: 'info', destination: logs })
    const keyServer = await keys.start()
    esignet = await createEsignetSimulator({
      clients: [{ clientId: CLIENT_ID, redirectUris: [`${APP_ORIGIN}/*`] }],
      users: [CHANDA, GABRIEL],
      autoApprove: CHANDA.individualId
    })
    const keyFile = join(dir, 'esignet-jwk.txt')
    writeFileSync(keyFile, esignet.clientPrivateKeyBase64())
    baseEnv = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      CLIENT_APP_URL: APP_ORIGIN,
      OPENCRVS_PUBLIC_KEY_URL: `${keyServer}/.well-known`,
      ESIGNET_TOKEN_URL: esignet.endpoints.token,
      ESIGNET_USERINFO_URL: esignet.endpoints.userinfo,
      OIDP_CLIENT_PRIVATE_KEY_PATH: keyFile,
      // No test here waits for a timeout; this only bounds a call on a busy machine.
      OUTBOUND_TIMEOUT_MS: '10000'
    }
    main = await startApp(config())
    token = await keys.actionToken()
  })

  after(async () => {
    for (const running of apps) {
      await running.app.close()
      await running.store.close()
    }
    await esignet?.close()
    await keys.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  beforeEach(() => {
    esignet.sim.clearFaults()
    esignet.clearFaults()
    esignet.sim.clearRequests()
    esignet.setUserinfoResponseType(CLIENT_ID, 'JWS')
    esignet.setClientEncryptionKey(CLIENT_ID, 'assertion')
    esignet.setUserinfoSigner('ida')
  })

  it('completes a login round trip with verified userinfo', async () => {
    const response = await loginOnce(main)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const body = (await response.json()) as Record<string, unknown>
    assert.equal(typeof body.sub, 'string')
    assert.deepEqual(body, {
      sub: body.sub,
      name: { firstname: 'Chanda', middlename: 'Mwila', surname: 'Bwalya' },
      gender: 'female',
      dobUnknown: null,
      birthDate: '1990-04-12',
      verificationStatus: 'authenticated',
      idType: 'NATIONAL_ID',
      nid: CHANDA.individualId
    })

    // The token request: form-encoded, the redirect URI without E-Signet's query, a
    // private_key_jwt assertion as eSignet ≥ 1.6 wants it.
    const [form] = tokenRequests()
    assert.ok(form)
    assert.equal(form.get('grant_type'), 'authorization_code')
    assert.equal(form.get('client_id'), CLIENT_ID)
    assert.equal(form.get('redirect_uri'), REDIRECT_URI)
    assert.equal(
      form.get('client_assertion_type'),
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    )
    const assertion = form.get('client_assertion') ?? ''
    seenSecrets.push(assertion)
    assert.deepEqual(decodeProtectedHeader(assertion), { alg: 'RS256', typ: 'JWT' })
    const claims = decodeJwt(assertion)
    assert.equal(claims.iss, CLIENT_ID)
    assert.equal(claims.sub, CLIENT_ID)
    assert.equal(claims.aud, esignet.endpoints.token)
    assert.match(claims.jti ?? '', /^[0-9a-f-]{36}$/)
    assert.ok((claims.exp ?? 0) - (claims.iat ?? 0) <= 60, 'a short-lived assertion')
    // The JWKS was found through discovery.
    assert.ok(esignet.sim.requests(ESIGNET_SERVICES.discovery).length >= 1)
    assert.equal(esignet.sim.requests(ESIGNET_SERVICES.jwks).length, 1)
  })

  it('keeps middle names and compound surnames when E-Signet only sends name', async () => {
    const response = await loginOnce(main, GABRIEL.individualId)
    assert.equal(response.status, 200)
    const body = (await response.json()) as Record<string, unknown>
    assert.deepEqual(body.name, {
      firstname: 'Gabriel',
      middlename: 'José',
      surname: 'García y Márquez'
    })
    assert.equal(body.birthDate, '1927-03-06')
    assert.equal(body.gender, 'male')
  })

  it('decrypts a JWE userinfo and verifies the JWS inside', async () => {
    esignet.setUserinfoResponseType(CLIENT_ID, 'JWE')
    const response = await loginOnce(main)
    assert.equal(response.status, 200)
    const body = (await response.json()) as { nid: string; name: { surname: string } }
    assert.equal(body.nid, CHANDA.individualId)
    assert.equal(body.name.surname, 'Bwalya')
  })

  it('refuses a userinfo whose signature does not verify (502)', async () => {
    esignet.signNextUserinfoWithWrongKey()
    const response = await loginOnce(main)
    assert.equal(response.status, 502)
    const body = (await response.json()) as ErrorBody
    assert.equal(body.code, 'ESIGNET_USERINFO_SIGNATURE_INVALID')
    // Also inside a JWE.
    esignet.setUserinfoResponseType(CLIENT_ID, 'JWE')
    esignet.signNextUserinfoWithWrongKey()
    const encrypted = await loginOnce(main)
    assert.equal(encrypted.status, 502)
    assert.equal(((await encrypted.json()) as ErrorBody).code, 'ESIGNET_USERINFO_SIGNATURE_INVALID')
  })

  it('fetches the JWKS again for a key it does not know, at most once per cooldown', async () => {
    const app = await startApp(config(), { refreshCooldownMs: 0 })
    assert.equal((await loginOnce(app)).status, 200)
    const before = esignet.sim.requests(ESIGNET_SERVICES.jwks).length
    esignet.signNextUserinfoWithWrongKey()
    assert.equal((await loginOnce(app)).status, 502)
    assert.equal(
      esignet.sim.requests(ESIGNET_SERVICES.jwks).length,
      before + 1,
      'one refresh, in case E-Signet rotated its key'
    )
  })

  it("verifies userinfo signed by IDA's key or E-Signet's own, both in E-Signet's JWKS", async () => {
    // The JWKS holds E-Signet's OIDC and KYC keys and IDA's key; IDA's is not the first.
    const kids = esignet.jwks().keys.map((key) => key.kid)
    assert.equal(kids.length, 3)
    assert.ok(kids.indexOf(esignet.signingKids.ida) > 0)
    assert.equal((await loginOnce(main)).status, 200, "IDA's key (the simulator's default)")
    esignet.setUserinfoSigner('esignet')
    assert.equal((await loginOnce(main)).status, 200, "E-Signet's own KYC key")
  })

  it('refuses userinfo signed by a key whose kid the JWKS does not publish, after one refresh', async () => {
    const app = await startApp(config(), { refreshCooldownMs: 0 })
    assert.equal((await loginOnce(app)).status, 200)
    const before = esignet.sim.requests(ESIGNET_SERVICES.jwks).length
    esignet.signNextUserinfoWithUnknownKey()
    const response = await loginOnce(app)
    assert.equal(response.status, 502)
    const body = (await response.json()) as ErrorBody
    assert.equal(body.code, 'ESIGNET_USERINFO_SIGNATURE_INVALID')
    assert.match(body.message, /signed with key "[\w-]+", which E-Signet's JWKS does not publish/)
    assert.equal(esignet.sim.requests(ESIGNET_SERVICES.jwks).length, before + 1)
  })

  describe('OIDP_CLIENT_ENCRYPTION_KEY_PATH', () => {
    function encryptionKeyFile(name: string, base64Jwk: string): string {
      const file = join(dir, name)
      writeFileSync(file, base64Jwk)
      return file
    }

    it('decrypts userinfo E-Signet encrypts to a separately registered key', async () => {
      esignet.setClientEncryptionKey(CLIENT_ID, 'separate')
      esignet.setUserinfoResponseType(CLIENT_ID, 'JWE')
      const file = encryptionKeyFile('enc-jwk.txt', esignet.clientEncryptionKeyBase64(CLIENT_ID))
      const app = await startApp(config({ OIDP_CLIENT_ENCRYPTION_KEY_PATH: file }))
      const response = await loginOnce(app)
      assert.equal(response.status, 200)
      assert.equal(((await response.json()) as { nid: string }).nid, CHANDA.individualId)

      // Without the variable the assertion key cannot open it: a clear 502.
      const without = await loginOnce(main)
      assert.equal(without.status, 502)
      const body = (await without.json()) as ErrorBody
      assert.equal(body.code, 'ESIGNET_USERINFO_UNDECRYPTABLE')
      assert.match(body.message, /OIDP_CLIENT_PRIVATE_KEY_PATH/)
    })

    it('uses the assertion key only for a JWE whose kid names it', async () => {
      esignet.setClientEncryptionKey(CLIENT_ID, 'separate')
      const file = encryptionKeyFile('enc-jwk-2.txt', esignet.clientEncryptionKeyBase64(CLIENT_ID))
      const app = await startApp(config({ OIDP_CLIENT_ENCRYPTION_KEY_PATH: file }))
      // E-Signet still encrypts to the assertion key (the registration was not changed yet).
      esignet.setClientEncryptionKey(CLIENT_ID, 'assertion')
      esignet.setUserinfoResponseType(CLIENT_ID, 'JWE')
      assert.equal((await loginOnce(app)).status, 200)
    })

    it('names the encryption key when it does not open the JWE (no silent fallback)', async () => {
      // E-Signet encrypts to a key of which the bridge was given another one.
      esignet.setClientEncryptionKey(CLIENT_ID, 'separate')
      const stale = esignet.clientEncryptionKeyBase64(CLIENT_ID)
      esignet.setClientEncryptionKey(CLIENT_ID, 'separate')
      esignet.setUserinfoResponseType(CLIENT_ID, 'JWE')
      const app = await startApp(
        config({ OIDP_CLIENT_ENCRYPTION_KEY_PATH: encryptionKeyFile('stale-jwk.txt', stale) })
      )
      const response = await loginOnce(app)
      assert.equal(response.status, 502)
      const body = (await response.json()) as ErrorBody
      assert.equal(body.code, 'ESIGNET_USERINFO_UNDECRYPTABLE')
      assert.match(body.message, /OIDP_CLIENT_ENCRYPTION_KEY_PATH/)
    })

    it('503 ESIGNET_NOT_CONFIGURED when the encryption key file is unusable', async () => {
      const broken = config({
        OIDP_CLIENT_ENCRYPTION_KEY_PATH: encryptionKeyFile('broken.txt', 'not a key')
      })
      const client = createEsignetClient(broken, logger)
      assert.equal(client.status.available, false)
      assert.match(logs.text(), /OIDP_CLIENT_ENCRYPTION_KEY_PATH/)
    })
  })

  it('sends a fresh jti every time; a replayed jti is refused by E-Signet (502)', async () => {
    assert.equal((await loginOnce(main)).status, 200)
    assert.equal((await loginOnce(main)).status, 200)
    const jtis = tokenRequests().map((form) => decodeJwt(form.get('client_assertion') ?? '').jti)
    assert.equal(new Set(jtis).size, 2)

    esignet.sim.clearRequests()
    const replaying = await startApp(config(), { newJti: () => 'the-same-jti-every-time' })
    assert.equal((await loginOnce(replaying)).status, 200)
    const replayed = await loginOnce(replaying)
    assert.equal(replayed.status, 502)
    const body = (await replayed.json()) as ErrorBody
    assert.equal(body.code, 'ESIGNET_CLIENT_AUTH_REFUSED')
    assert.ok(!body.message.includes('jti'), '5xx bodies do not relay upstream details')
    assert.deepEqual(
      tokenRequests().map((form) => decodeJwt(form.get('client_assertion') ?? '').jti),
      ['the-same-jti-every-time', 'the-same-jti-every-time']
    )
  })

  describe('E-Signet errors become clear 4xx/5xx answers', () => {
    it('400 for a code that was already used or has expired', async () => {
      const { code, page } = await authorize()
      assert.equal((await login(main, { code, page })).status, 200)
      const reused = await login(main, { code, page })
      assert.equal(reused.status, 400)
      const body = (await reused.json()) as ErrorBody
      assert.equal(body.code, 'ESIGNET_CODE_REJECTED')
      assert.match(body.message, /expired or already used/)

      const stale = await authorize()
      esignet.expireCodes()
      const expired = await login(main, { code: stale.code, page: stale.page })
      assert.equal(expired.status, 400)
      assert.equal(((await expired.json()) as ErrorBody).code, 'ESIGNET_CODE_REJECTED')
    })

    it('400 for a redirect URI or client id that does not match the login', async () => {
      const first = await authorize()
      const wrongPage = await login(main, {
        code: first.code,
        page: `${APP_ORIGIN}/elsewhere?code=${first.code}`
      })
      assert.equal(wrongPage.status, 400)
      assert.equal(((await wrongPage.json()) as ErrorBody).code, 'ESIGNET_REDIRECT_URI_REJECTED')

      const second = await authorize()
      const wrongClient = await login(main, { ...second, clientId: 'another-client' })
      assert.equal(wrongClient.status, 400)
      assert.equal(((await wrongClient.json()) as ErrorBody).code, 'ESIGNET_CLIENT_ID_REJECTED')

      const notAUrl = await login(main, { code: 'x', page: 'drafts/abc' })
      assert.equal(notAUrl.status, 400)
      assert.match(((await notAUrl.json()) as ErrorBody).message, /redirectUri/)
    })

    it('400 for a state other than the one configured (ESIGNET_EXPECTED_STATE)', async () => {
      const checked = await startApp(config({ ESIGNET_EXPECTED_STATE: `${STATE},other-state` }))
      const forged = await authorize('forged-state')
      const refused = await login(checked, {
        code: forged.code,
        page: forged.page,
        state: 'forged-state'
      })
      assert.equal(refused.status, 400)
      assert.equal(((await refused.json()) as ErrorBody).code, 'ESIGNET_STATE_MISMATCH')
      assert.equal(tokenRequests().length, 0, 'the code was not even exchanged')
      assert.equal((await loginOnce(checked)).status, 200)
      // Without the setting, state is not checked (mosip-api's behaviour).
      const unchecked = await authorize('anything')
      assert.equal((await login(main, { ...unchecked, state: 'anything' })).status, 200)
    })

    it('503 when E-Signet is down or answers 5xx', async () => {
      const { code, page } = await authorize()
      esignet.sim.setFaults(ESIGNET_SERVICES.token, { outage: true })
      const down = await login(main, { code, page })
      assert.equal(down.status, 503)
      assert.equal(((await down.json()) as ErrorBody).code, 'ESIGNET_UNAVAILABLE')

      esignet.sim.clearFaults()
      esignet.sim.setFaults(ESIGNET_SERVICES.userinfo, { errorRate: 1, errorStatus: 500 })
      const failing = await loginOnce(main)
      assert.equal(failing.status, 503)
    })

    it("503 when E-Signet's keys cannot be fetched", async () => {
      const fresh = await startApp(config())
      esignet.sim.setFaults(ESIGNET_SERVICES.jwks, { outage: true })
      esignet.sim.setFaults(ESIGNET_SERVICES.discovery, { outage: true })
      const response = await loginOnce(fresh)
      assert.equal(response.status, 503)
      assert.equal(((await response.json()) as ErrorBody).code, 'ESIGNET_KEYS_UNAVAILABLE')
      // Once E-Signet is back, the next login works: nothing broken was cached.
      esignet.sim.clearFaults()
      assert.equal((await loginOnce(fresh)).status, 200)
    })

    it('uses ESIGNET_JWKS_URL without discovery when it is set', async () => {
      const pinned = await startApp(config({ ESIGNET_JWKS_URL: esignet.endpoints.jwks }))
      assert.equal((await loginOnce(pinned)).status, 200)
      assert.equal(esignet.sim.requests(ESIGNET_SERVICES.discovery).length, 0)
      assert.equal(esignet.sim.requests(ESIGNET_SERVICES.jwks).length, 1)
    })

    it('502 when E-Signet refuses the bridge key (a key it has not registered)', async () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      const keyFile = join(dir, 'other-jwk.txt')
      writeFileSync(
        keyFile,
        Buffer.from(JSON.stringify(other.export({ format: 'jwk' }))).toString('base64')
      )
      const wrongKey = await startApp(config({ OIDP_CLIENT_PRIVATE_KEY_PATH: keyFile }))
      const response = await loginOnce(wrongKey)
      assert.equal(response.status, 502)
      assert.equal(((await response.json()) as ErrorBody).code, 'ESIGNET_CLIENT_AUTH_REFUSED')
    })

    it('503 ESIGNET_NOT_CONFIGURED when the client key file is missing', async () => {
      const missing = config({ OIDP_CLIENT_PRIVATE_KEY_PATH: join(dir, 'missing.txt') })
      const client = createEsignetClient(missing, logger)
      assert.equal(client.status.available, false)
      const app = await startApp(missing, {}, client)
      const response = await login(app, { code: 'x' })
      assert.equal(response.status, 503)
      const body = (await response.json()) as ErrorBody
      assert.equal(body.code, 'ESIGNET_NOT_CONFIGURED')
      assert.ok(!body.message.includes(dir))
      assert.match(logs.text(), /OIDP_CLIENT_PRIVATE_KEY_PATH/)
    })
  })

  describe('the route', () => {
    it('requires an OpenCRVS token (401) and the configured scope (403)', async () => {
      const anonymous = await login(main, { code: 'x' }, { authorization: '' })
      assert.equal(anonymous.status, 401)
      const anonymousWithoutQuery = await fetch(`${main.url}/esignet/get-oidp-user-info`, {
        method: 'POST'
      })
      assert.equal(anonymousWithoutQuery.status, 401, 'the token is checked before the request')
      const scoped = await startApp(config({ ESIGNET_REQUIRED_SCOPE: 'record.verify-id' }))
      assert.equal((await login(scoped, { code: 'x' })).status, 403)
      assert.equal(tokenRequests().length, 0)
    })

    it('400 naming a missing code, state or body field', async () => {
      const noCode = await fetch(`${main.url}/esignet/get-oidp-user-info?state=${STATE}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI })
      })
      assert.equal(noCode.status, 400)
      assert.match(((await noCode.json()) as ErrorBody).message, /code: is required/)
      const noClient = await fetch(`${main.url}/esignet/get-oidp-user-info?code=x&state=y`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ redirectUri: REDIRECT_URI })
      })
      assert.equal(noClient.status, 400)
      assert.match(((await noClient.json()) as ErrorBody).message, /clientId: is required/)
      const noBody = await fetch(`${main.url}/esignet/get-oidp-user-info?code=x&state=y`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` }
      })
      assert.equal(noBody.status, 400)
      assert.equal(
        ((await noBody.json()) as ErrorBody).message,
        'the body must be a JSON object { clientId, redirectUri }'
      )
    })

    it("answers CORS preflights for the OpenCRVS client's origin only", async () => {
      const preflight = (origin: string) =>
        fetch(`${main.url}/esignet/get-oidp-user-info`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization,content-type'
          }
        })
      const allowed = await preflight(APP_ORIGIN)
      assert.equal(allowed.status, 204)
      assert.equal(allowed.headers.get('access-control-allow-origin'), APP_ORIGIN)
      assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /Authorization/)
      const other = await preflight('https://evil.example.org')
      assert.equal(other.headers.get('access-control-allow-origin'), null)
      const { code, page } = await authorize()
      const response = await login(main, { code, page }, { origin: APP_ORIGIN })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('access-control-allow-origin'), APP_ORIGIN)
    })
  })

  it('never logs codes, tokens, assertions or the person', () => {
    const text = logs.text()
    assert.match(text, /"event":"esignet.login"/)
    for (const secret of [
      ...seenSecrets,
      token,
      'Chanda',
      'Bwalya',
      'García',
      '1990/04/12',
      '1990-04-12',
      CHANDA.individualId
    ]) {
      assert.ok(!text.includes(secret), `the logs contain ${secret.slice(0, 12)}…`)
    }
  })
})
