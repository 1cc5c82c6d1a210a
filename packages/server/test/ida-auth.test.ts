/**
 * The IDA request pieces: the pure mapping (dates, names, id types, answers), the crypto layout,
 * and the simulated IDA refusing a correctly signed request whose HMAC is wrong.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  constants,
  createDecipheriv,
  createHash,
  privateDecrypt,
  randomBytes,
  verify,
  X509Certificate
} from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { createMosipSimulator, type MosipSimulator } from '@mosip-bridge/simulators'
import {
  buildIdaAuthData,
  buildIdaAuthRequest,
  idaDob,
  idaFullName,
  individualIdTypeOf
} from '../src/core/ida-auth-request.js'
import { classifyIdaResponse, IDA_RESULT_CODES } from '../src/core/ida-auth-result.js'
import { wantsJson } from '../src/http/routes/verify.route.js'
import {
  base64urlPadded,
  encryptIdaSymmetric,
  encryptSessionKey,
  IdaAuthClient,
  loadIdaMaterial,
  randomTransactionId,
  requestDigest,
  type IdaMaterial
} from '../src/integrations/ida/index.js'

const NOW = Date.parse('2026-03-01T10:00:00.000Z')

describe('IDA request mapping (pure)', () => {
  it('turns OpenCRVS dates into YYYY/MM/DD and refuses non-dates', () => {
    assert.equal(idaDob('2008-02-29'), '2008/02/29')
    assert.equal(idaDob('2008/02/29'), '2008/02/29')
    assert.equal(idaDob(' 1990-04-12 '), '1990/04/12')
    for (const bad of ['2007-02-29', '1990-13-01', '12/04/1990', '1990-4-12', '', 'x']) {
      assert.equal(idaDob(bad), undefined, bad)
    }
  })

  it('keeps the middle name and normalises spaces', () => {
    assert.equal(
      idaFullName({ firstname: 'Chanda', middlename: 'Mwila', surname: 'Bwalya' }),
      'Chanda Mwila Bwalya'
    )
    assert.equal(idaFullName({ firstname: 'Charles', surname: 'Doe 2nd' }), 'Charles Doe 2nd')
    assert.equal(
      idaFullName({ firstname: ' Jean  Paul ', middlename: null, surname: 'Sartre' }),
      'Jean Paul Sartre'
    )
    assert.equal(idaFullName({ firstname: '', surname: 'Banda' }), 'Banda')
    assert.equal(idaFullName('  Mary   Phiri '), 'Mary Phiri')
    assert.equal(idaFullName({}), '')
  })

  it('chooses the individual id type', () => {
    assert.equal(individualIdTypeOf('6491527384012569', 'UIN'), 'UIN')
    assert.equal(individualIdTypeOf('5836471920', 'VID'), 'VID')
    assert.equal(individualIdTypeOf('6491527384012569', 'auto'), 'VID')
    assert.equal(individualIdTypeOf('5836471920', 'auto'), 'UIN')
    assert.equal(individualIdTypeOf('583647192012', 'auto'), 'UIN')
  })

  it('builds the decrypted request as IDA reads it', () => {
    const data = buildIdaAuthData(
      { nid: '1', dob: '2008/02/29', name: 'Charles Doe 2nd', gender: 'male' },
      'eng',
      '2026-03-01T10:00:00.000Z'
    )
    assert.deepEqual(data, {
      biometrics: [],
      demographics: {
        dob: '2008/02/29',
        name: [{ language: 'eng', value: 'Charles Doe 2nd' }],
        gender: [{ language: 'eng', value: 'male' }]
      },
      otp: '',
      timestamp: '2026-03-01T10:00:00.000Z'
    })
    const withoutGender = buildIdaAuthData({ nid: '1', dob: '2008/02/29', name: 'A' }, 'fra', 'x')
    assert.deepEqual(withoutGender.demographics, {
      dob: '2008/02/29',
      name: [{ language: 'fra', value: 'A' }]
    })
  })
})

describe('IDA answers (classifyIdaResponse)', () => {
  const answer = (body: unknown, status = 200) => classifyIdaResponse({ status, body }, NOW)
  const failure = (...codes: Array<[string, string?]>) =>
    answer({
      transactionID: '1234567890',
      response: { authStatus: false, authToken: null },
      errors: codes.map(([errorCode, errorMessage = 'x']) => ({ errorCode, errorMessage }))
    })

  it('verified when authStatus is true, without exposing the auth token', () => {
    const verdict = answer({
      transactionID: '1234567890',
      response: { authStatus: true, authToken: 'partner-specific-token' },
      errors: null
    })
    assert.deepEqual(verdict, { kind: 'verified', idaTransactionId: '1234567890' })
  })

  it('failed for errors about the person', () => {
    const cases: Array<[string, string, string]> = [
      ['IDA-MLC-002', 'Invalid UIN', 'unknown-id'],
      ['IDA-MLC-004', 'Invalid VID', 'unknown-id'],
      ['IDA-MLC-003', 'UIN has been deactivated', 'deactivated-id'],
      ['IDA-MLC-010', 'VID corresponding to a deactivated UIN', 'deactivated-id'],
      ['IDA-MLC-022', 'UIN is deactivated/blocked', 'deactivated-id'],
      ['IDA-MLC-023', 'VID is expired/deactivated', 'deactivated-id'],
      ['IDA-MLC-018', 'UIN not available in database', 'unknown-id'],
      ['IDA-MLC-018', 'VID not available in database', 'unknown-id'],
      ['IDA-MLC-018', 'phoneNumber not available in database', 'demographic-unavailable'],
      ['IDA-MLC-009', 'Invalid Input Parameter - individualId', 'invalid-id'],
      ['IDA-DEA-001', 'Demographic data dob did not match', 'demographic-mismatch'],
      [
        'IDA-DEA-003',
        'Demographic data phoneNumber not available in database',
        'demographic-unavailable'
      ],
      ['IDA-MLC-019', 'Demo Auth Type is Locked for the UIN', 'auth-locked']
    ]
    for (const [code, message, reason] of cases) {
      const verdict = failure([code, message])
      assert.equal(verdict.kind, 'failed', code)
      if (verdict.kind === 'failed') assert.equal(verdict.errors[0]?.reason, reason, code)
    }
    const mismatch = failure(['IDA-DEA-001', 'Demographic data name in eng did not match'])
    assert.ok(mismatch.kind === 'failed')
    assert.equal(mismatch.errors[0]?.attribute, 'name')
    assert.equal(mismatch.errors[0]?.language, 'eng')
    const both = failure(
      ['IDA-DEA-001', 'Demographic data name in eng did not match'],
      ['IDA-DEA-001', 'Demographic data dob did not match']
    )
    assert.ok(both.kind === 'failed')
    assert.deepEqual(
      both.errors.map((error) => error.attribute),
      ['name', 'dob']
    )
    assert.deepEqual(answer({ response: { authStatus: false }, errors: [] }), {
      kind: 'failed',
      idaTransactionId: undefined,
      errors: []
    })
  })

  it('never failed for problems of the bridge or of MOSIP', () => {
    const expectations: Array<[Array<[string, string?]>, string, string]> = [
      [[['IDA-MPA-001']], 'refused', IDA_RESULT_CODES.partnerRejected],
      [[['IDA-MPA-016']], 'refused', IDA_RESULT_CODES.partnerRejected],
      [[['IDA-MPA-021']], 'refused', IDA_RESULT_CODES.partnerRejected],
      [[['IDA-MLC-001']], 'refused', IDA_RESULT_CODES.requestTimeRejected],
      [
        [['IDA-MLC-009', 'Invalid Input Parameter - requestTime']],
        'refused',
        IDA_RESULT_CODES.requestRejected
      ],
      [[['IDA-DEA-002']], 'refused', IDA_RESULT_CODES.requestRejected],
      [[['IDA-XYZ-999']], 'refused', IDA_RESULT_CODES.requestRejected],
      [[['IDA-MLC-007']], 'unavailable', IDA_RESULT_CODES.unableToProcess],
      // One error about the request is enough: the person was not really checked.
      [
        [['IDA-DEA-001', 'Demographic data dob did not match'], ['IDA-MPA-016']],
        'refused',
        IDA_RESULT_CODES.partnerRejected
      ]
    ]
    for (const [errors, kind, code] of expectations) {
      const verdict = failure(...errors)
      assert.equal(verdict.kind, kind, JSON.stringify(errors))
      assert.equal('code' in verdict ? verdict.code : undefined, code, JSON.stringify(errors))
    }
  })

  it('unavailable without an answer, on 429 and 5xx (with Retry-After); refused on other HTTP errors', () => {
    assert.equal(classifyIdaResponse({ error: new Error('timeout') }, NOW).kind, 'unavailable')
    const throttled = classifyIdaResponse({ status: 429, retryAfter: '7' }, NOW)
    assert.deepEqual(throttled, {
      kind: 'unavailable',
      code: IDA_RESULT_CODES.unavailable,
      reason: 'IDA answered 429',
      retryAfterMs: 7000
    })
    assert.equal(classifyIdaResponse({ status: 503 }, NOW).kind, 'unavailable')
    for (const status of [400, 401, 403, 404]) {
      const verdict = classifyIdaResponse({ status, body: { error: 'x' } }, NOW)
      assert.equal(verdict.kind, 'refused')
      assert.equal('code' in verdict && verdict.code, IDA_RESULT_CODES.httpRefused)
    }
  })

  it('refused for a 200 that is not an authentication response', () => {
    for (const body of [undefined, '<html>', { response: 'yes' }, { errors: 'no' }, { foo: 1 }]) {
      const verdict = answer(body)
      assert.equal(verdict.kind, 'refused', JSON.stringify(body))
      assert.equal('code' in verdict && verdict.code, IDA_RESULT_CODES.badResponse)
    }
  })
})

describe('content negotiation of /verify', () => {
  it('answers JSON only when the caller prefers it', () => {
    assert.equal(wantsJson(undefined), false)
    assert.equal(wantsJson('*/*'), false)
    assert.equal(wantsJson('text/plain'), false)
    assert.equal(wantsJson('application/json'), true)
    assert.equal(wantsJson('application/problem+json'), true)
    assert.equal(wantsJson('application/json, text/plain, */*'), true)
    assert.equal(wantsJson('text/plain, application/json'), false)
    assert.equal(wantsJson('text/plain;q=0.5, application/json'), true)
    assert.equal(wantsJson('application/json;q=0'), false)
  })
})

describe('IDA request crypto against the simulated IDA', () => {
  const PASSWORD = 'ida-auth-test'
  let mosip: MosipSimulator
  let dir: string
  let material: IdaMaterial
  let client: IdaAuthClient

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ida-auth-test-'))
    mosip = await createMosipSimulator({
      ida: {
        identities: [
          { uin: '7319402856', name: { eng: 'Joseph Banda' }, dob: '1985/11/30', gender: 'male' }
        ]
      }
    })
    const files = { sign: join(dir, 'sign.p12'), cert: join(dir, 'ida.crt') }
    const bridgeMaterial = mosip.ida.bridgeMaterial(PASSWORD)
    writeFileSync(files.sign, bridgeMaterial.signKeystore)
    // DER works as well as PEM.
    writeFileSync(files.cert, new X509Certificate(bridgeMaterial.idaCertificatePem).raw)
    material = loadIdaMaterial({
      encryptCertPath: files.cert,
      signP12Path: files.sign,
      signP12Password: PASSWORD
    })
    client = new IdaAuthClient({
      authUrl: `${mosip.url}/idauthentication/v1/auth/`,
      partner: {
        mispLicenseKey: mosip.idaOptions.mispLicenseKey,
        id: mosip.idaOptions.partnerId,
        apiKey: mosip.idaOptions.apiKey
      },
      domainUri: mosip.url,
      env: 'Developer',
      language: 'eng',
      individualIdType: 'UIN',
      timeoutMs: 5000,
      material,
      logger: pino({ level: 'silent' })
    })
  })

  after(async () => {
    await mosip?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const joseph = { nid: '7319402856', dob: '1985/11/30', name: 'Joseph Banda', gender: 'male' }

  it('encrypts with the layout IDA decrypts: ciphertext || tag(16) || iv(16), OAEP-SHA256 key', async () => {
    const request = await client.buildRequest(joseph)
    const body = JSON.parse(request.body) as Record<string, string>
    const idaKey = mosip.ida.encryptionKey.privateKey
    const sessionKey = privateDecrypt(
      { key: idaKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(body.requestSessionKey ?? '', 'base64url')
    )
    assert.equal(sessionKey.length, 32)
    const open = (field: string) => {
      const bytes = Buffer.from((body[field] ?? '').replace(/=+$/, ''), 'base64url')
      const iv = bytes.subarray(bytes.length - 16)
      const tag = bytes.subarray(bytes.length - 32, bytes.length - 16)
      const decipher = createDecipheriv('aes-256-gcm', sessionKey, iv)
      decipher.setAuthTag(tag)
      return Buffer.concat([
        decipher.update(bytes.subarray(0, bytes.length - 32)),
        decipher.final()
      ])
    }
    const data = open('request')
    const hmac = open('requestHMAC').toString('utf8')
    assert.equal(hmac, createHash('sha256').update(data).digest('hex').toUpperCase())
    const decrypted = JSON.parse(data.toString('utf8')) as { timestamp: string }
    assert.equal(decrypted.timestamp, body.requestTime)
    assert.equal(body.env, 'Developer')
    assert.equal(body.transactionID, request.transactionId)
  })

  it('signs on the thread pool exactly as on the event loop (RS256 is deterministic)', async () => {
    const body = Buffer.from(
      JSON.stringify({ id: 'mosip.identity.auth', individualId: joseph.nid })
    )
    const inBackground = await material.signer.signInBackground(body)
    assert.equal(inBackground, material.signer.sign(body))
    const [header, empty, signature] = inBackground.split('.')
    assert.equal(empty, '')
    const certificate = new X509Certificate(
      Buffer.from(
        (JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as { x5c: string[] })
          .x5c[0] ?? '',
        'base64url'
      )
    )
    assert.ok(
      verify(
        'sha256',
        Buffer.from(`${header}.${body.toString('base64url')}`),
        certificate.publicKey,
        Buffer.from(signature ?? '', 'base64url')
      )
    )
  })

  it('signs beside the event loop: the loop turns before a batch of signatures is done', async () => {
    const body = Buffer.from('{"id":"mosip.identity.auth"}')
    let settled = 0
    const batch = Array.from({ length: 8 }, () =>
      material.signer.signInBackground(body).then((signature) => {
        settled++
        return signature
      })
    )
    // Signed in place, all eight would be settled before the loop's next turn.
    const atNextTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(settled)))
    assert.ok(atNextTurn < batch.length, `${atNextTurn} of ${batch.length} settled`)
    assert.equal(new Set(await Promise.all(batch)).size, 1)
  })

  it('uses a fresh transaction id, session key and IVs for every request', async () => {
    const first = JSON.parse((await client.buildRequest(joseph)).body) as Record<string, string>
    const second = JSON.parse((await client.buildRequest(joseph)).body) as Record<string, string>
    for (const field of ['transactionID', 'request', 'requestHMAC', 'requestSessionKey']) {
      assert.notEqual(first[field], second[field], field)
    }
    const ids = new Set(Array.from({ length: 200 }, () => randomTransactionId()))
    assert.equal(ids.size, 200)
    for (const id of ids) assert.match(id, /^\d{10}$/)
  })

  it('is authenticated by the simulated IDA (DER certificate, trailing slash in IDA_AUTH_URL)', async () => {
    const verdict = await client.verify(joseph)
    assert.equal(verdict.kind, 'verified')
  })

  /** A request signed with the bridge's key whose HMAC is computed over `hmacOver`. */
  async function postWithHmacOver(hmacOver: (data: Buffer) => Buffer) {
    const now = new Date().toISOString()
    const data = Buffer.from(JSON.stringify(buildIdaAuthData(joseph, 'eng', now)))
    const sessionKey = randomBytes(32)
    const body = JSON.stringify(
      buildIdaAuthRequest({
        individualId: joseph.nid,
        individualIdType: 'UIN',
        transactionId: randomTransactionId(),
        requestTime: now,
        domainUri: mosip.url,
        env: 'Staging',
        thumbprint: material.thumbprint,
        request: base64urlPadded(encryptIdaSymmetric(sessionKey, data)),
        requestSessionKey: encryptSessionKey(material.idaPublicKey, sessionKey).toString(
          'base64url'
        ),
        requestHMAC: base64urlPadded(encryptIdaSymmetric(sessionKey, hmacOver(data)))
      })
    )
    const { mispLicenseKey, partnerId, apiKey } = mosip.idaOptions
    const response = await fetch(
      `${mosip.url}/idauthentication/v1/auth/${mispLicenseKey}/${partnerId}/${apiKey}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: 'Authorization',
          signature: material.signer.sign(Buffer.from(body))
        },
        body
      }
    )
    return (await response.json()) as {
      response: { authStatus: boolean }
      errors: Array<{ errorCode: string }> | null
    }
  }

  it('refuses a correctly signed request whose HMAC does not match (IDA-MPA-016)', async () => {
    const honest = await postWithHmacOver(requestDigest)
    assert.equal(honest.response.authStatus, true, 'the same construction with the right HMAC')
    const lowerCase = await postWithHmacOver((data) =>
      Buffer.from(createHash('sha256').update(data).digest('hex'))
    )
    assert.equal(lowerCase.response.authStatus, false)
    assert.deepEqual(
      lowerCase.errors?.map((error) => error.errorCode),
      ['IDA-MPA-016']
    )
    const otherData = await postWithHmacOver((data) =>
      requestDigest(Buffer.concat([data, Buffer.from(' ')]))
    )
    assert.deepEqual(
      otherData.errors?.map((error) => error.errorCode),
      ['IDA-MPA-016']
    )
  })

  it('parses the keystore once: building a request reads no file', async () => {
    rmSync(join(dir, 'sign.p12'))
    rmSync(join(dir, 'ida.crt'))
    await assert.doesNotReject(() => client.buildRequest(joseph))
  })
})
