import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LogSink } from '@mosip-bridge/test-support'
import {
  BINARY,
  CIRCULAR,
  REDACTED,
  TRUNCATED,
  childForJob,
  childForRequest,
  createLogger,
  createRedactor,
  isSensitiveKey,
  redactSensitive,
  scrubString,
  scrubUrl
} from '../src/observability/index.js'
import type { Logger } from '../src/observability/index.js'

const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ.c2lnbmF0dXJlLXZhbHVl_-x'

type Line = Record<string, unknown>

interface Capture {
  logger: Logger
  lines(): Line[]
  raw(): string
}

function capture(level = 'trace', base?: Record<string, unknown>): Capture {
  const sink = new LogSink()
  const logger = createLogger({
    level,
    destination: sink,
    ...(base === undefined ? {} : { base })
  })
  return { logger, raw: () => sink.text(), lines: () => sink.entries() }
}

function only(c: Capture): Line {
  const lines = c.lines()
  assert.equal(lines.length, 1)
  const [line] = lines
  assert.ok(line)
  return line
}

function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value
  for (const key of path) {
    assert.ok(current !== null && typeof current === 'object', `no object at ${String(key)}`)
    current = (current as Record<string | number, unknown>)[key]
  }
  return current
}

function declaration() {
  return {
    registrationId: 'REG-2024-000123',
    state: 'REGISTERED',
    count: 3,
    event: {
      type: 'birth',
      details: {
        child: { firstNames: 'Jane', familyName: 'Mwangi', dob: '2024-01-31' },
        people: {
          mother: { uin: '8120749372', nid: 'NID-55501' },
          informant: {
            ids: { uin: '4419982010', vid: '6631009912345678' }
          }
        }
      }
    },
    people: [
      { firstname: 'Amina', surname: 'Otieno', dateOfBirth: '1990-04-02', role: 'parent' },
      { givenName: 'Baraka', phoneNumber: '+254700000001', email: 'baraka@example.org' }
    ]
  }
}

describe('createLogger', () => {
  it('never writes auth headers, cookies, tokens or secrets', () => {
    const c = capture()
    c.logger.info(
      {
        jobId: 'job-1',
        request: {
          headers: {
            Authorization: 'Bearer opaque-access-token-123',
            cookie: 'session=cookie-value-456',
            'Set-Cookie': ['sid=cookie-value-789; HttpOnly'],
            'x-api-key': 'api-key-value-000',
            accept: 'application/json'
          }
        },
        oidc: {
          client_secret: 'client-secret-value',
          clientAssertion: 'assertion-value',
          access_token: 'access-token-value',
          refreshToken: 'refresh-token-value',
          id_token: 'id-token-value',
          mosipAuthToken: 'mosip-auth-token-value',
          expiresIn: 3600
        },
        config: {
          hubSecret: 'hub-secret-value',
          licenseKey: 'license-key-value',
          misp_lk: 'misp-lk-value',
          privateKey: '-----BEGIN PRIVATE KEY-----abc',
          encryptionKey: 'encryption-key-value',
          key: 'plain-key-value',
          password: 'password-value',
          keyId: 'key-2024'
        }
      },
      'calling MOSIP'
    )
    const raw = c.raw()
    for (const secret of [
      'opaque-access-token-123',
      'cookie-value-456',
      'cookie-value-789',
      'api-key-value-000',
      'client-secret-value',
      'assertion-value',
      'access-token-value',
      'refresh-token-value',
      'id-token-value',
      'mosip-auth-token-value',
      'hub-secret-value',
      'license-key-value',
      'misp-lk-value',
      'PRIVATE KEY',
      'encryption-key-value',
      'plain-key-value',
      'password-value'
    ]) {
      assert.ok(!raw.includes(secret), `${secret} leaked: ${raw}`)
    }
    const line = only(c)
    assert.equal(at(line, 'request', 'headers', 'Authorization'), REDACTED)
    assert.equal(at(line, 'request', 'headers', 'Set-Cookie'), REDACTED)
    assert.equal(at(line, 'request', 'headers', 'accept'), 'application/json')
    assert.equal(at(line, 'oidc', 'expiresIn'), 3600)
    assert.equal(at(line, 'config', 'keyId'), 'key-2024')
    assert.equal(line.jobId, 'job-1')
    assert.equal(line.msg, 'calling MOSIP')
  })

  it('scrubs JWTs and Bearer tokens from messages and from values under innocent keys', () => {
    const c = capture()
    c.logger.warn(
      { note: `MOSIP rejected ${JWT} (expired)`, nested: { list: [{ text: `Bearer ${JWT}` }] } },
      `token exchange failed for ${JWT}`
    )
    c.logger.info('forwarding header Authorization: Bearer abc.DEF-123_x/+= to hub')
    c.logger.info('interpolated %s and %o', JWT, { detail: `see ${JWT}`, password: 'pw-interp' })
    const raw = c.raw()
    assert.ok(!raw.includes('eyJhbGci'), raw)
    assert.ok(!raw.includes('abc.DEF-123'), raw)
    assert.ok(!raw.includes('pw-interp'), raw)
    const [first, second, third] = c.lines()
    assert.equal(first?.msg, `token exchange failed for ${REDACTED}`)
    assert.equal(first?.note, `MOSIP rejected ${REDACTED} (expired)`)
    assert.equal(at(first, 'nested', 'list', 0, 'text'), REDACTED)
    assert.equal(second?.msg, `forwarding header Authorization: ${REDACTED} to hub`)
    assert.match(String(third?.msg), /^interpolated \[REDACTED\] and /)
  })

  it('never writes a decrypted credential or request/response bodies', () => {
    const c = capture()
    const credential = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'MOSIPVerifiableCredential'],
      credentialSubject: { UIN: '2837465019', fullName: 'Jane Wanjiru', dateOfBirth: '1990/01/01' }
    }
    c.logger.info(
      {
        jobId: 42,
        decrypted: credential,
        decryptedCredential: credential,
        result: { credential, credentialId: 'cred-id-7' },
        response: { status: 200, body: { name: 'Jane Wanjiru' } },
        webhook: { payload: '{"uin":"2837465019"}' },
        mosipResponse: { requestBody: { demographics: { gender: 'F' } } }
      },
      'credential received'
    )
    const raw = c.raw()
    assert.ok(!raw.includes('Jane'), raw)
    assert.ok(!raw.includes('Wanjiru'), raw)
    assert.ok(!raw.includes('2837465019'), raw)
    assert.ok(!raw.includes('1990/01/01'), raw)
    assert.ok(!raw.includes('credentialSubject'), raw)
    const line = only(c)
    assert.equal(line.decrypted, REDACTED)
    assert.equal(line.decryptedCredential, REDACTED)
    assert.equal(at(line, 'result', 'credential'), REDACTED)
    assert.equal(at(line, 'result', 'credentialId'), 'cred-id-7')
    assert.equal(at(line, 'response', 'status'), 200)
    assert.equal(at(line, 'response', 'body'), REDACTED)
    assert.equal(at(line, 'webhook', 'payload'), REDACTED)
    assert.equal(line.jobId, 42)
  })

  it('never writes personal data, at any depth or inside arrays, but keeps context', () => {
    const c = capture()
    c.logger.info({ reqId: 'req-9', task: 'issue-credential', data: declaration() }, 'registered')
    const raw = c.raw()
    for (const personal of [
      'Jane',
      'Mwangi',
      '2024-01-31',
      '8120749372',
      'NID-55501',
      '4419982010',
      '6631009912345678',
      'Amina',
      'Otieno',
      '1990-04-02',
      'Baraka',
      '+254700000001',
      'baraka@example.org'
    ]) {
      assert.ok(!raw.includes(personal), `${personal} leaked: ${raw}`)
    }
    const line = only(c)
    assert.equal(line.reqId, 'req-9')
    assert.equal(line.task, 'issue-credential')
    assert.equal(at(line, 'data', 'registrationId'), 'REG-2024-000123')
    assert.equal(at(line, 'data', 'state'), 'REGISTERED')
    assert.equal(at(line, 'data', 'count'), 3)
    assert.equal(at(line, 'data', 'event', 'type'), 'birth')
    assert.equal(at(line, 'data', 'event', 'details', 'child'), REDACTED)
    assert.equal(at(line, 'data', 'event', 'details', 'people', 'mother'), REDACTED)
    assert.equal(at(line, 'data', 'event', 'details', 'people', 'informant'), REDACTED)
    assert.equal(at(line, 'data', 'people', 0, 'firstname'), REDACTED)
    assert.equal(at(line, 'data', 'people', 0, 'role'), 'parent')
    assert.equal(at(line, 'data', 'people', 1, 'email'), REDACTED)
  })

  it('redacts uin/nid at depth 4 even when the parent key is innocent', () => {
    const c = capture()
    c.logger.info({ a: { b: { c: { uin: '9988776655', nid: 'N-1', vid: 'V-1', ok: true } } } })
    assert.ok(!c.raw().includes('9988776655'))
    const line = only(c)
    assert.deepEqual(at(line, 'a', 'b', 'c'), {
      uin: REDACTED,
      nid: REDACTED,
      vid: REDACTED,
      ok: true
    })
  })

  it('does not mutate what it logs', () => {
    const c = capture()
    const input = {
      token: 'keep-me-in-the-input',
      data: declaration(),
      headers: { authorization: `Bearer ${JWT}` },
      note: `inline ${JWT}`
    }
    const snapshot = structuredClone(input)
    const err = Object.assign(new Error(`failed ${JWT}`), { token: 'err-token', code: 'E_MOSIP' })
    c.logger.info(input, 'first')
    c.logger.error({ err, ...input }, 'second')
    assert.deepEqual(input, snapshot)
    assert.equal(err.token, 'err-token')
    assert.equal(err.message, `failed ${JWT}`)
    assert.ok(!c.raw().includes('keep-me-in-the-input'))
  })

  it('keeps failure codes readable and censors any other code', () => {
    const c = capture()
    c.logger.warn({ code: 'CREDENTIAL_WRONG_RECIPIENT', registrationId: '100010000000001' }, 'a')
    c.logger.warn({ failure: { code: 'RPR-RGS-031' }, status: { code: 404 } }, 'b')
    c.logger.warn({ code: 'SplxlOBeZQQYbYS6WxSbIA', oauth: { code: 'auth-code-xyz' } }, 'c')
    const [first, second, third] = c.lines()
    assert.equal(at(first, 'code'), 'CREDENTIAL_WRONG_RECIPIENT')
    assert.equal(at(second, 'failure', 'code'), 'RPR-RGS-031')
    assert.equal(at(second, 'status', 'code'), 404)
    assert.equal(at(third, 'code'), REDACTED)
    assert.equal(at(third, 'oauth', 'code'), REDACTED)
    assert.ok(!c.raw().includes('SplxlOBeZQQYbYS6WxSbIA'))
  })

  it('survives cycles', () => {
    const c = capture()
    const job: Record<string, unknown> = { id: 7, state: 'running' }
    job.self = job
    job.children = [job, { parent: job }]
    assert.doesNotThrow(() => c.logger.info({ job }, 'cyclic'))
    const line = only(c)
    assert.equal(at(line, 'job', 'self'), CIRCULAR)
    assert.equal(at(line, 'job', 'id'), 7)
  })

  it('keeps error name, message, code and stack but redacts sensitive error properties', () => {
    const c = capture()
    const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    const err = Object.assign(new Error('MOSIP credential request failed', { cause }), {
      code: 'MOSIP_5XX',
      status: 502,
      responseBody: { name: 'Jane' },
      requestHeaders: { Authorization: 'Bearer secret-bearer-value' },
      clientSecret: 'err-client-secret'
    })
    c.logger.error({ err, jobId: 'job-3' }, 'issuance failed')
    c.logger.error(err)
    const raw = c.raw()
    assert.ok(!raw.includes('Jane'))
    assert.ok(!raw.includes('secret-bearer-value'))
    assert.ok(!raw.includes('err-client-secret'))
    const [first, second] = c.lines()
    assert.equal(at(first, 'err', 'type'), 'Error')
    assert.equal(at(first, 'err', 'message'), 'MOSIP credential request failed: socket hang up')
    assert.equal(at(first, 'err', 'code'), 'MOSIP_5XX')
    assert.equal(at(first, 'err', 'status'), 502)
    assert.equal(at(first, 'err', 'responseBody'), REDACTED)
    assert.equal(at(first, 'err', 'clientSecret'), REDACTED)
    assert.match(String(at(first, 'err', 'stack')), /MOSIP credential request failed/)
    assert.equal(first?.msg, 'issuance failed')
    assert.equal(second?.msg, 'MOSIP credential request failed')
    assert.equal(at(second, 'err', 'code'), 'MOSIP_5XX')
  })

  it('puts job and request bindings on every line of a child logger', () => {
    const c = capture()
    const jobLogger = childForJob(c.logger, { id: 17, task: 'issue-credential', attempt: 2 })
    jobLogger.info('started')
    jobLogger.warn({ count: 2 }, 'retrying')
    const requestLogger = childForRequest(jobLogger, 'req-abc')
    requestLogger.error('done')
    const lines = c.lines()
    assert.equal(lines.length, 3)
    for (const line of lines) {
      assert.equal(line.jobId, 17)
      assert.equal(line.task, 'issue-credential')
      assert.equal(line.attempt, 2)
      assert.equal(line.service, 'mosip-bridge')
      assert.equal(typeof line.time, 'string')
      assert.ok(!Number.isNaN(Date.parse(String(line.time))))
    }
    assert.equal(lines[1]?.count, 2)
    assert.equal(lines[2]?.reqId, 'req-abc')
    assert.equal(lines[0]?.reqId, undefined)
  })

  it('redacts child bindings and base fields too', () => {
    const c = capture('info', { region: 'east', apiKey: 'base-api-key' })
    const child = c.logger.child({ token: 'child-token', mother: { name: 'Jane' }, batch: 'b1' })
    child.info('x')
    child.child({ note: `uses ${JWT}` }).info('y')
    child.setBindings({ password: 'set-bindings-pw' })
    child.info('z')
    const raw = c.raw()
    for (const leaked of ['base-api-key', 'child-token', 'Jane', 'eyJhbGci', 'set-bindings-pw']) {
      assert.ok(!raw.includes(leaked), `${leaked} leaked: ${raw}`)
    }
    const [x, y] = c.lines()
    assert.equal(x?.region, 'east')
    assert.equal(x?.apiKey, REDACTED)
    assert.equal(x?.token, REDACTED)
    assert.equal(x?.mother, REDACTED)
    assert.equal(x?.batch, 'b1')
    assert.equal(y?.note, `uses ${REDACTED}`)
  })

  it('serializes req without headers or OAuth query values, and res as its status code', () => {
    const c = capture()
    c.logger.info(
      {
        req: {
          id: 'req-1',
          method: 'GET',
          url: '/oidc/callback?code=auth-code-xyz&state=state-123&page=2&access_token=at-1#token=t-2',
          headers: { authorization: 'Bearer header-token', cookie: 'sid=cookie-1' },
          socket: { remoteAddress: '10.0.0.8' }
        },
        res: { statusCode: 302, headers: { 'set-cookie': 'sid=cookie-2' } }
      },
      'request completed'
    )
    const raw = c.raw()
    for (const leaked of ['auth-code-xyz', 'state-123', 'at-1', 't-2', 'header-token', 'cookie-']) {
      assert.ok(!raw.includes(leaked), `${leaked} leaked: ${raw}`)
    }
    const line = only(c)
    assert.deepEqual(line.req, {
      method: 'GET',
      url: `/oidc/callback?code=${REDACTED}&state=${REDACTED}&page=2&access_token=${REDACTED}#token=${REDACTED}`,
      id: 'req-1',
      remoteAddress: '10.0.0.8'
    })
    assert.deepEqual(line.res, { statusCode: 302 })
  })

  it('respects the level', () => {
    const c = capture('warn')
    c.logger.info({ password: 'x' }, 'hidden')
    c.logger.warn('shown')
    assert.deepEqual(
      c.lines().map((line) => line.msg),
      ['shown']
    )
  })
})

describe('redactSensitive', () => {
  it('returns a redacted copy and leaves the input alone', () => {
    const input = { user: { name: 'Jane', id: 'u-1' }, list: [{ token: 't' }, 'plain'] }
    const snapshot = structuredClone(input)
    const output = redactSensitive(input)
    assert.deepEqual(output, {
      user: { name: REDACTED, id: 'u-1' },
      list: [{ token: REDACTED }, 'plain']
    })
    assert.notEqual(output, input)
    assert.deepEqual(input, snapshot)
  })

  it('normalises keys and matches key/code exactly', () => {
    for (const key of [
      'Authorization',
      'Set-Cookie',
      'client_secret',
      'X-Api-Key',
      'ACCESS_TOKEN',
      'motherFirstName',
      'informant.phoneNumber',
      'key',
      'code',
      'misp-lk',
      'decryptedVc'
    ]) {
      assert.equal(isSensitiveKey(key), true, key)
    }
    for (const key of [
      'keyId',
      'statusCode',
      'hostname',
      'task',
      'jobId',
      'reqId',
      'state',
      'registrationId',
      'remoteAddress',
      'count',
      'tokenType'
    ]) {
      assert.equal(isSensitiveKey(key), false, key)
    }
  })

  it('replaces binary data, cycles and overly deep values', () => {
    const cyclic: Record<string, unknown> = { n: 1 }
    cyclic.again = cyclic
    const shared = { v: 1 }
    let deep: Record<string, unknown> = { leaf: true }
    for (let i = 0; i < 20; i++) deep = { next: deep }
    const output = redactSensitive({
      buffer: Buffer.from('raw bytes'),
      bytes: new Uint8Array([1, 2]),
      cyclic,
      twice: [shared, shared],
      deep
    })
    assert.equal(at(output, 'buffer'), BINARY)
    assert.equal(at(output, 'bytes'), BINARY)
    assert.equal(at(output, 'cyclic', 'again'), CIRCULAR)
    assert.deepEqual(at(output, 'twice'), [{ v: 1 }, { v: 1 }])
    assert.ok(JSON.stringify(output).includes(TRUNCATED))
    assert.ok(!JSON.stringify(output).includes('leaf'))
  })

  it('turns errors into plain objects that keep their diagnostics', () => {
    const err = Object.assign(new TypeError(`bad ${JWT}`), { code: 'E1', uin: '123', retry: 2 })
    const output = redactSensitive({ error: err })
    assert.equal(at(output, 'error', 'name'), 'TypeError')
    assert.equal(at(output, 'error', 'message'), `bad ${REDACTED}`)
    assert.equal(at(output, 'error', 'code'), 'E1')
    assert.equal(at(output, 'error', 'uin'), REDACTED)
    assert.equal(at(output, 'error', 'retry'), 2)
    assert.ok(!String(at(output, 'error', 'stack')).includes('eyJ'))
  })

  it('passes primitives through, scrubbing only strings', () => {
    assert.equal(redactSensitive(5), 5)
    assert.equal(redactSensitive(null), null)
    assert.equal(redactSensitive(undefined), undefined)
    assert.equal(redactSensitive(true), true)
    assert.equal(redactSensitive('hello'), 'hello')
    assert.equal(redactSensitive(JWT), REDACTED)
    assert.equal(scrubString('Authorization: bearer abc123'), `Authorization: ${REDACTED}`)
    assert.equal(
      scrubString('see https://x/cb?code=abc&x=1'),
      `see https://x/cb?code=${REDACTED}&x=1`
    )
    assert.equal(scrubUrl('/cb?name=Jane&page=1'), `/cb?name=${REDACTED}&page=1`)
  })

  it('accepts extra sensitive keys', () => {
    const input = { brn: 'B-1', trackingId: 'T-1' }
    assert.deepEqual(redactSensitive(input, { extraSensitiveKeys: ['tracking_id'] }), {
      brn: 'B-1',
      trackingId: REDACTED
    })
    const redactor = createRedactor({ extraSensitiveKeys: ['brn'] })
    assert.deepEqual(redactor.redact(input), { brn: REDACTED, trackingId: 'T-1' })
  })
})
