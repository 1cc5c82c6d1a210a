import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, sign } from 'node:crypto'
import { SignJWT, base64url } from 'jose'
import { verifyRs256Jwt } from '../src/integrations/opencrvs/rs256-jwt.js'

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
const NOW = 1_800_000_000
const expected = {
  issuer: 'opencrvs:auth-service',
  audiences: ['opencrvs:countryconfig-user'],
  clockToleranceSec: 5,
  nowMs: NOW * 1000
}

function token(
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  key = privateKey
): Promise<string> {
  return new SignJWT({
    iss: 'opencrvs:auth-service',
    aud: ['opencrvs:gateway-user', 'opencrvs:countryconfig-user'],
    sub: 'user-1',
    exp: NOW + 600,
    ...claims
  })
    .setProtectedHeader({ alg: 'RS256', ...header })
    .sign(key)
}

const reasonOf = (jwt: string) => {
  const result = verifyRs256Jwt(jwt, publicKey, expected)
  return result.ok ? 'ok' : result.reason
}

describe('RS256 JWT verification', () => {
  it('accepts a valid token and returns its payload', async () => {
    const result = verifyRs256Jwt(await token({ eventId: 'e1' }), publicKey, expected)
    assert.ok(result.ok)
    assert.equal(result.payload.eventId, 'e1')
    assert.equal(reasonOf(await token({ aud: 'opencrvs:countryconfig-user' })), 'ok')
  })

  it('checks expiry and not-before within the clock tolerance', async () => {
    assert.equal(reasonOf(await token({ exp: NOW - 4 })), 'ok')
    assert.equal(reasonOf(await token({ exp: NOW - 5 })), 'token expired')
    assert.equal(reasonOf(await token({ nbf: NOW + 5 })), 'ok')
    assert.equal(reasonOf(await token({ nbf: NOW + 6 })), 'token not valid yet')
    assert.equal(reasonOf(await token({ exp: undefined })), 'invalid claim exp')
    assert.equal(reasonOf(await token({ exp: 'tomorrow' })), 'invalid claim exp')
    assert.equal(reasonOf(await token({ sub: undefined })), 'invalid claim sub')
  })

  it('checks issuer and audience', async () => {
    assert.equal(reasonOf(await token({ iss: 'someone' })), 'unexpected issuer')
    assert.equal(reasonOf(await token({ aud: ['opencrvs:gateway-user'] })), 'unexpected audience')
    assert.equal(reasonOf(await token({ aud: undefined })), 'unexpected audience')
  })

  it('refuses other algorithms, critical extensions, other keys and altered tokens', async () => {
    const ps256 = await new SignJWT({ sub: 'x', exp: NOW + 60 })
      .setProtectedHeader({ alg: 'PS256' })
      .sign(privateKey)
    assert.equal(reasonOf(ps256), 'algorithm not allowed')
    const none = `${base64url.encode('{"alg":"none"}')}.${base64url.encode('{"sub":"x"}')}.`
    assert.equal(reasonOf(none), 'algorithm not allowed')
    const critHeader = base64url.encode(JSON.stringify({ alg: 'RS256', crit: ['x-custom'] }))
    const critPayload = base64url.encode(JSON.stringify({ ...expected, sub: 'x', exp: NOW + 60 }))
    const critSignature = base64url.encode(
      sign('sha256', Buffer.from(`${critHeader}.${critPayload}`), privateKey)
    )
    assert.equal(reasonOf(`${critHeader}.${critPayload}.${critSignature}`), 'malformed token')
    assert.equal(reasonOf(await token({}, {}, other.privateKey)), 'invalid signature')
    const [h, , s] = (await token()).split('.')
    const forged = base64url.encode(JSON.stringify({ sub: 'admin', exp: NOW + 600 }))
    assert.equal(reasonOf(`${h}.${forged}.${s}`), 'invalid signature')
    assert.equal(reasonOf(`${h}.${forged}.not*base64`), 'invalid signature')
    for (const garbage of ['', 'a.b', 'a.b.c.d', 'not.a.jwt', '%%%.e30.sig']) {
      assert.equal(reasonOf(garbage), 'malformed token', garbage)
    }
  })
})
