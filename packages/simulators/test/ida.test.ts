import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes, sign, verify, X509Certificate } from 'node:crypto'
import { idaAuthResponseSchema, type IdaAuthResponse } from '@mosip-bridge/contracts'
import {
  buildBody,
  detachedJws,
  padded,
  readKeystore,
  type AuthInput,
  type PartnerKeys
} from './helpers/ida-client.js'
import { idaErrors, registerIda, type IdaSimulator } from '../src/ida/index.js'
import { createCertifiedKey } from '../src/shared/pki.js'
import { SimServer } from '../src/shared/sim-server.js'

const MISP_LK = 'aaaaaAAAAAbbbbbBBBBBcccccCCCCCdddddDDDDD'
const PARTNER_ID = 'crvs-partner'
const API_KEY = '123456'
const PASSWORD = 'mosip123'

describe('simulated IDA demographic authentication', () => {
  const sim = new SimServer({ name: 'mosip' })
  let ida: IdaSimulator
  let base: string
  let keys: PartnerKeys
  let responseCertPem: string

  before(async () => {
    ida = registerIda(sim, {
      mispLicenseKey: MISP_LK,
      partnerId: PARTNER_ID,
      apiKey: API_KEY,
      identities: [
        {
          uin: '1234567890',
          vids: ['4789512360123456'],
          name: { eng: 'Charles Doe 2nd' },
          dob: '2008/02/29',
          gender: { eng: 'male' }
        },
        { uin: '1234567891', name: { eng: 'Jenny Doe' }, dob: '2002-02-01', gender: 'female' }
      ]
    })
    base = `${await sim.listen()}/idauthentication/v1/auth`
    const material = ida.bridgeMaterial(PASSWORD)
    const keystore = readKeystore(material.signKeystore, PASSWORD)
    keys = {
      signKey: keystore.key,
      signCertPem: keystore.certPem,
      idaCertPem: material.idaCertificatePem
    }
    responseCertPem = material.responseSigningCertificatePem
  })
  after(() => sim.close())

  async function send(
    body: string,
    options: { signature?: string | null; path?: string; authorization?: string | null } = {}
  ): Promise<{
    status: number
    json: IdaAuthResponse
    text: string
    responseSignature: string | null
  }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const signature =
      options.signature === undefined
        ? detachedJws(body, keys.signKey, keys.signCertPem, 'pem')
        : options.signature
    if (signature !== null) headers.signature = signature
    if (options.authorization !== null)
      headers.authorization = options.authorization ?? 'Authorization'
    const response = await fetch(
      `${base}${options.path ?? `/${MISP_LK}/${PARTNER_ID}/${API_KEY}`}`,
      {
        method: 'POST',
        headers,
        body
      }
    )
    const text = await response.text()
    return {
      status: response.status,
      text,
      json: idaAuthResponseSchema.parse(JSON.parse(text)),
      responseSignature: response.headers.get('response-signature')
    }
  }

  const charles = { name: [{ language: 'eng', value: 'Charles Doe 2nd' }], dob: '2008/02/29' }

  async function authenticate(input: AuthInput) {
    return send(JSON.stringify(buildBody(keys, input)))
  }

  function codes(result: { json: IdaAuthResponse }): string[] {
    return (result.json.errors ?? []).map((error) => error.errorCode)
  }

  it('authenticates a matching identity, with a signed response', async () => {
    const body = buildBody(keys, {
      individualId: '1234567890',
      demographics: { ...charles, gender: [{ language: 'eng', value: 'male' }] }
    })
    const result = await send(JSON.stringify(body))
    assert.equal(result.status, 200)
    assert.equal(result.json.response?.authStatus, true)
    assert.equal(typeof result.json.response?.authToken, 'string')
    assert.equal(result.json.errors, null)
    assert.equal(result.json.transactionID, body.transactionID)
    assert.equal(result.json.id, 'mosip.identity.auth')

    // response-signature: detached RS256 JWS over the exact response bytes, by IDA's key.
    const [header = '', payload, signature = ''] = (result.responseSignature ?? '').split('.')
    assert.equal(payload, '')
    const protectedHeader = JSON.parse(Buffer.from(header, 'base64url').toString()) as {
      alg: string
      x5c: string[]
    }
    assert.equal(protectedHeader.alg, 'RS256')
    const responseCert = new X509Certificate(responseCertPem)
    assert.equal(protectedHeader.x5c[0], responseCert.raw.toString('base64'))
    const signingInput = `${header}.${Buffer.from(result.text).toString('base64url')}`
    assert.ok(
      verify(
        'sha256',
        Buffer.from(signingInput),
        responseCert.publicKey,
        Buffer.from(signature, 'base64url')
      )
    )
    const [attempt] = ida.attempts().slice(-1)
    assert.deepEqual(attempt?.demographics, {
      ...charles,
      gender: [{ language: 'eng', value: 'male' }]
    })
  })

  it('accepts x5c as base64 DER, a VID, and names in any case and spacing', async () => {
    const body = JSON.stringify(
      buildBody(keys, {
        individualId: '4789512360123456',
        individualIdType: 'VID',
        demographics: { name: [{ language: 'eng', value: '  charles   DOE 2nd' }] }
      })
    )
    const result = await send(body, {
      signature: detachedJws(body, keys.signKey, keys.signCertPem, 'der')
    })
    assert.equal(result.json.response?.authStatus, true)
  })

  it('answers a wrong name or date of birth with IDA-DEA-001', async () => {
    const wrongName = await authenticate({
      individualId: '1234567890',
      demographics: { ...charles, name: [{ language: 'eng', value: 'Charles Dikkens' }] }
    })
    assert.equal(wrongName.status, 200)
    assert.equal(wrongName.json.response?.authStatus, false)
    assert.deepEqual(wrongName.json.errors, [
      {
        errorCode: 'IDA-DEA-001',
        errorMessage: 'Demographic data name in eng did not match',
        actionMessage: 'Please re-enter your name in eng'
      }
    ])

    const wrongDob = await authenticate({
      individualId: '1234567891',
      demographics: { name: [{ language: 'eng', value: 'Jenny Doe' }], dob: '2002/02/02' }
    })
    assert.equal(wrongDob.status, 200)
    assert.equal(wrongDob.json.response?.authStatus, false)
    assert.equal(wrongDob.json.errors?.[0]?.errorMessage, 'Demographic data dob did not match')
    assert.deepEqual(codes(wrongDob), ['IDA-DEA-001'])

    const both = await authenticate({
      individualId: '1234567890',
      demographics: {
        name: [{ language: 'eng', value: 'X' }],
        dob: '2008/02/28',
        gender: [{ language: 'eng', value: 'female' }]
      }
    })
    assert.deepEqual(codes(both), ['IDA-DEA-001', 'IDA-DEA-001', 'IDA-DEA-001'])
  })

  it('answers an unknown UIN with IDA-MLC-002 and an unknown VID with IDA-MLC-004', async () => {
    const unknownUin = await authenticate({ individualId: '5555555555', demographics: charles })
    assert.equal(unknownUin.status, 200)
    assert.equal(unknownUin.json.response?.authStatus, false)
    assert.deepEqual(unknownUin.json.errors, [
      {
        errorCode: 'IDA-MLC-002',
        errorMessage: 'Invalid UIN',
        actionMessage: 'Please retry with the correct UIN'
      }
    ])
    // A VID sent with individualIdType UIN is not found either.
    const vidAsUin = await authenticate({ individualId: '4789512360123456', demographics: charles })
    assert.deepEqual(codes(vidAsUin), ['IDA-MLC-002'])
    const unknownVid = await authenticate({
      individualId: '1111222233334444',
      individualIdType: 'VID',
      demographics: charles
    })
    assert.deepEqual(codes(unknownVid), ['IDA-MLC-004'])
  })

  it('answers a stale or future requestTime with IDA-MLC-001', async () => {
    const stale = await authenticate({
      individualId: '1234567890',
      demographics: charles,
      requestTime: new Date(Date.now() - 10 * 60_000)
    })
    assert.equal(stale.status, 200)
    assert.equal(stale.json.response?.authStatus, false)
    assert.deepEqual(stale.json.errors?.[0], {
      errorCode: 'IDA-MLC-001',
      errorMessage: 'Request to be received at MOSIP within 120 seconds',
      actionMessage: 'Please send the request within 120 seconds'
    })
    const future = await authenticate({
      individualId: '1234567890',
      demographics: charles,
      requestTime: new Date(Date.now() + 10 * 60_000)
    })
    assert.deepEqual(codes(future), ['IDA-MLC-001'])
  })

  it('refuses a body changed after signing with IDA-MPA-001', async () => {
    const body = buildBody(keys, { individualId: '1234567890', demographics: charles })
    const signed = JSON.stringify(body)
    const tampered = JSON.stringify({ ...body, individualId: '1234567891' })
    const result = await send(tampered, {
      signature: detachedJws(signed, keys.signKey, keys.signCertPem, 'pem')
    })
    assert.equal(result.status, 200)
    assert.equal(result.json.response?.authStatus, false)
    assert.deepEqual(result.json.errors, [
      {
        errorCode: 'IDA-MPA-001',
        errorMessage: 'Digital signature verification failed for signature header'
      }
    ])
  })

  it('refuses a signature by another key: IDA-MPA-001 under the partner certificate, IDA-MPA-021 under its own', async () => {
    const stranger = createCertifiedKey('someone-else')
    const body = JSON.stringify(
      buildBody(keys, { individualId: '1234567890', demographics: charles })
    )
    const underPartnerCert = await send(body, {
      signature: detachedJws(body, stranger.privateKey, keys.signCertPem, 'pem')
    })
    assert.equal(underPartnerCert.status, 200)
    assert.deepEqual(codes(underPartnerCert), ['IDA-MPA-001'])

    const body2 = JSON.stringify(
      buildBody(keys, { individualId: '1234567890', demographics: charles })
    )
    const underOwnCert = await send(body2, {
      signature: detachedJws(body2, stranger.privateKey, stranger.certificatePem, 'der')
    })
    assert.equal(underOwnCert.status, 200)
    assert.deepEqual(codes(underOwnCert), ['IDA-MPA-021'])
  })

  it('refuses a missing Signature or Authorization header with IDA-MLC-006, no x5c with IDA-MPA-022', async () => {
    const body = JSON.stringify(
      buildBody(keys, { individualId: '1234567890', demographics: charles })
    )
    const unsigned = await send(body, { signature: null })
    assert.equal(unsigned.status, 200)
    assert.deepEqual(unsigned.json.errors, [
      { errorCode: 'IDA-MLC-006', errorMessage: 'Missing Input Parameter - signature header' }
    ])
    const noAuthorization = await send(body, { authorization: null })
    assert.equal(
      noAuthorization.json.errors?.[0]?.errorMessage,
      'Missing Input Parameter - Authorization - header'
    )

    const header = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url')
    const input = `${header}.${Buffer.from(body).toString('base64url')}`
    const noX5c = `${header}..${sign('sha256', Buffer.from(input), keys.signKey).toString('base64url')}`
    assert.deepEqual(codes(await send(body, { signature: noX5c })), ['IDA-MPA-022'])

    const hs256 = Buffer.from(JSON.stringify({ alg: 'HS256', x5c: ['x'] })).toString('base64url')
    assert.deepEqual(codes(await send(body, { signature: `${hs256}..c2ln` })), ['IDA-MPA-001'])
  })

  it('refuses a wrong HMAC with IDA-MPA-016 and a wrong thumbprint or key with IDA-MPA-003', async () => {
    const wrongHmac = await authenticate({
      individualId: '1234567890',
      demographics: charles,
      hmacPlaintext: () => createHash('sha256').update('something else').digest('hex').toUpperCase()
    })
    assert.equal(wrongHmac.status, 200)
    assert.deepEqual(wrongHmac.json.errors, [
      { errorCode: 'IDA-MPA-016', errorMessage: 'HMAC Validation failed' }
    ])
    const lowerCaseHmac = await authenticate({
      individualId: '1234567890',
      demographics: charles,
      // The right digest, but in lower case: IDA compares the text exactly.
      hmacPlaintext: (authData) => createHash('sha256').update(authData).digest('hex')
    })
    assert.deepEqual(codes(lowerCaseHmac), ['IDA-MPA-016'])

    const otherIda = createCertifiedKey('not-ida')
    const wrongCert = await authenticate({
      individualId: '1234567890',
      demographics: charles,
      idaCertPem: otherIda.certificatePem
    })
    assert.deepEqual(wrongCert.json.errors, [
      { errorCode: 'IDA-MPA-003', errorMessage: 'Unable to decrypt Request' }
    ])

    const body = buildBody(keys, { individualId: '1234567890', demographics: charles })
    const corrupted = JSON.stringify({ ...body, request: padded(randomBytes(80)) })
    assert.deepEqual(codes(await send(corrupted)), ['IDA-MPA-003'])
  })

  it('checks the partner path: licence key IDA-MPA-007, partner or API key IDA-MPA-009', async () => {
    const body = JSON.stringify(
      buildBody(keys, { individualId: '1234567890', demographics: charles })
    )
    const wrongLk = await send(body, { path: `/wrong-licence-key/${PARTNER_ID}/${API_KEY}` })
    assert.equal(wrongLk.status, 200)
    assert.deepEqual(codes(wrongLk), ['IDA-MPA-007'])
    const wrongApiKey = await send(body, { path: `/${MISP_LK}/${PARTNER_ID}/999999` })
    assert.deepEqual(codes(wrongApiKey), ['IDA-MPA-009'])
    const wrongPartner = await send(body, { path: `/${MISP_LK}/other-partner/${API_KEY}` })
    assert.deepEqual(codes(wrongPartner), ['IDA-MPA-009'])
  })

  it('validates the request: date format, transaction id, consent', async () => {
    const badDob = await authenticate({
      individualId: '1234567890',
      demographics: { ...charles, dob: '2008-02-29' }
    })
    assert.deepEqual(badDob.json.errors, [
      {
        errorCode: 'IDA-MLC-009',
        errorMessage: 'Invalid Input Parameter - request/demographics/dob'
      }
    ])
    const unsupported = await authenticate({
      individualId: '1234567890',
      demographics: { name: [{ language: 'xyz', value: 'Charles Doe 2nd' }] }
    })
    assert.deepEqual(codes(unsupported), ['IDA-DEA-002'])
    const nothing = await authenticate({ individualId: '1234567890', demographics: {} })
    assert.deepEqual(codes(nothing), ['IDA-MLC-008'])

    const body = buildBody(keys, { individualId: '1234567890', demographics: charles })
    const shortTxn = await send(JSON.stringify({ ...body, transactionID: '12345' }))
    assert.deepEqual(shortTxn.json.errors, [
      { errorCode: 'IDA-MLC-009', errorMessage: 'Invalid Input Parameter - transactionID' }
    ])
    const noConsent = await send(JSON.stringify({ ...body, consentObtained: false }))
    assert.deepEqual(codes(noConsent), ['IDA-MLC-012'])
    const noMillis = await send(
      JSON.stringify({ ...body, requestTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') })
    )
    assert.deepEqual(codes(noMillis), ['IDA-MLC-009'])
  })

  it('answers a deactivated UIN with IDA-MLC-022, its VID with IDA-MLC-023, a blocked one with IDA-MLC-018', async () => {
    const byUin = { individualId: '1234567890', demographics: charles }
    const byVid = {
      individualId: '4789512360123456',
      individualIdType: 'VID' as const,
      demographics: charles
    }
    try {
      ida.setIdentityStatus('4789512360123456', 'DEACTIVATED')
      const deactivated = await authenticate(byUin)
      assert.equal(deactivated.json.response?.authStatus, false)
      assert.deepEqual(deactivated.json.errors, [
        { errorCode: 'IDA-MLC-022', errorMessage: 'UIN is deactivated/blocked' }
      ])
      // Even with demographics that do not match: the status is checked first.
      const wrongName = await authenticate({
        ...byUin,
        demographics: { name: [{ language: 'eng', value: 'Someone Else' }] }
      })
      assert.deepEqual(codes(wrongName), ['IDA-MLC-022'])
      const viaVid = await authenticate(byVid)
      assert.deepEqual(viaVid.json.errors, [
        { errorCode: 'IDA-MLC-023', errorMessage: 'VID is expired/deactivated' }
      ])

      ida.setIdentityStatus('1234567890', 'BLOCKED')
      assert.deepEqual((await authenticate(byUin)).json.errors, [
        { errorCode: 'IDA-MLC-018', errorMessage: 'UIN not available in database' }
      ])
      assert.deepEqual((await authenticate(byVid)).json.errors, [
        { errorCode: 'IDA-MLC-018', errorMessage: 'VID not available in database' }
      ])
    } finally {
      ida.setIdentityStatus('1234567890', 'ACTIVATED')
    }
    assert.equal((await authenticate(byUin)).json.response?.authStatus, true, 'active again')
  })

  it('answers malformed JSON, forced failures and key rotation with HTTP 200 and IDA codes', async () => {
    const malformed = await send('{"id":', { signature: null })
    assert.equal(malformed.status, 200)
    assert.deepEqual(codes(malformed), ['IDA-MLC-007'])

    ida.failNext(idaErrors.unableToProcess())
    const forced = await authenticate({ individualId: '1234567890', demographics: charles })
    assert.deepEqual(codes(forced), ['IDA-MLC-007'])
    const afterwards = await authenticate({ individualId: '1234567890', demographics: charles })
    assert.equal(afterwards.json.response?.authStatus, true)

    ida.breakNextResponseSignature()
    const broken = await authenticate({ individualId: '1234567890', demographics: charles })
    const [header = '', , signature = ''] = (broken.responseSignature ?? '').split('.')
    const input = `${header}.${Buffer.from(broken.text).toString('base64url')}`
    assert.equal(
      verify(
        'sha256',
        Buffer.from(input),
        new X509Certificate(responseCertPem).publicKey,
        Buffer.from(signature, 'base64url')
      ),
      false
    )

    const newCert = ida.rotateEncryptionKey()
    const stale = await authenticate({ individualId: '1234567890', demographics: charles })
    assert.deepEqual(codes(stale), ['IDA-MPA-003'])
    keys = { ...keys, idaCertPem: newCert }
    const rotated = await authenticate({ individualId: '1234567890', demographics: charles })
    assert.equal(rotated.json.response?.authStatus, true)

    // The request log records every call on the wire.
    assert.ok(sim.requests('ida').length >= 10)
  })
})
