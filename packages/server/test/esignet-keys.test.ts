/**
 * How E-Signet's JWKS is used to verify userinfo: every key of the set may sign (IDA's beside
 * E-Signet's own), the key is chosen by the JWS header's `kid`, an unknown `kid` is refused after
 * one refresh, and a JWS without `kid` is tried against each key its algorithm fits. A real JWKS
 * is served over HTTP; the JWSs are signed with real RSA keys.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, type JWK } from 'jose'
import { EsignetKeys } from '../src/integrations/esignet/esignet-keys.js'

interface TestKey {
  kid: string
  privateKey: KeyObject
  jwk: JWK
}

function newKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } }
}

const quiet = { info: () => undefined, warn: () => undefined }

describe("E-Signet's JWKS: choosing the key that verifies userinfo", () => {
  const esignetKey = newKey('esignet-kyc')
  const idaKey = newKey('ida-kyc')
  let server: Server
  let jwksUrl: string
  let served = 0

  before(async () => {
    server = createServer((_request, response) => {
      served++
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ keys: [esignetKey.jwk, idaKey.jwk] }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  function keys(): EsignetKeys {
    return new EsignetKeys({
      jwksUrl,
      tokenUrl: 'http://127.0.0.1:1/oauth/v2/token',
      timeoutMs: 5000,
      logger: quiet,
      refreshCooldownMs: 0
    })
  }

  async function sign(key: KeyObject, kid: string | undefined): Promise<string> {
    return new SignJWT({ sub: 'subject-1' })
      .setProtectedHeader({ alg: 'PS256', typ: 'JWT', ...(kid === undefined ? {} : { kid }) })
      .setIssuedAt()
      .sign(key)
  }

  it("verifies userinfo signed by IDA's key, the second key of the set", async () => {
    const result = await keys().verify(await sign(idaKey.privateKey, idaKey.kid))
    assert.ok(result.ok)
    assert.equal(result.value.sub, 'subject-1')
  })

  it('refuses a kid the JWKS does not hold, naming it, after exactly one refresh', async () => {
    const verifier = keys()
    const stranger = newKey('stranger-7')
    const before = served
    const result = await verifier.verify(await sign(stranger.privateKey, stranger.kid))
    assert.ok(!result.ok)
    assert.equal(result.failure.status, 502)
    assert.equal(result.failure.code, 'ESIGNET_USERINFO_SIGNATURE_INVALID')
    assert.match(result.failure.message, /"stranger-7", which E-Signet's JWKS does not publish/)
    assert.equal(served - before, 2, 'the first fetch and one refresh')
  })

  it("refuses a known kid whose key did not sign (another key's signature)", async () => {
    const result = await keys().verify(await sign(esignetKey.privateKey, idaKey.kid))
    assert.ok(!result.ok)
    assert.equal(result.failure.code, 'ESIGNET_USERINFO_SIGNATURE_INVALID')
    assert.doesNotMatch(result.failure.message, /does not publish/)
  })

  it('without a kid, tries each key of the set and accepts the one that verifies', async () => {
    const verifier = keys()
    assert.ok((await verifier.verify(await sign(idaKey.privateKey, undefined))).ok)
    assert.ok((await verifier.verify(await sign(esignetKey.privateKey, undefined))).ok)
    const forged = await verifier.verify(await sign(newKey('x').privateKey, undefined))
    assert.ok(!forged.ok)
    assert.equal(forged.failure.code, 'ESIGNET_USERINFO_SIGNATURE_INVALID')
  })
})
