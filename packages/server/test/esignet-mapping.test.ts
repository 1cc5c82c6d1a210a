/** The pure parts of E-Signet logins: claims → person, and E-Signet's answers → HTTP outcomes. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import {
  classifyDocumentResponse,
  classifyTokenResponse,
  classifyUserinfoResponse
} from '../src/core/esignet-outcome.js'
import {
  esignetBirthDate,
  esignetGender,
  personName,
  splitFullName,
  toOidpUserInfo
} from '../src/core/esignet-person.js'
import {
  discoveryCandidates,
  parseClientKey,
  providerLocations,
  redirectUriOf
} from '../src/integrations/esignet/index.js'

const NOW = Date.parse('2026-03-01T10:00:00.000Z')

describe('E-Signet names', () => {
  it('splits a full name keeping middle names and compound surnames', () => {
    const cases: Array<[string, { firstname: string; middlename?: string; surname: string }]> = [
      ['Charles Doe', { firstname: 'Charles', surname: 'Doe' }],
      ['Chanda Mwila Bwalya', { firstname: 'Chanda', middlename: 'Mwila', surname: 'Bwalya' }],
      ['Mary Anne Jane Phiri', { firstname: 'Mary', middlename: 'Anne Jane', surname: 'Phiri' }],
      ['Ludwig van Beethoven', { firstname: 'Ludwig', surname: 'van Beethoven' }],
      ['Juan de la Cruz', { firstname: 'Juan', surname: 'de la Cruz' }],
      [
        'Gabriel José García y Márquez',
        { firstname: 'Gabriel', middlename: 'José', surname: 'García y Márquez' }
      ],
      ['Ali bin Abdullah', { firstname: 'Ali', surname: 'bin Abdullah' }],
      ['Anne-Marie Dupont-Moretti', { firstname: 'Anne-Marie', surname: 'Dupont-Moretti' }],
      ['  Joseph   Banda ', { firstname: 'Joseph', surname: 'Banda' }],
      ['Madonna', { firstname: 'Madonna', surname: '' }],
      ['', { firstname: '', surname: '' }]
    ]
    for (const [full, expected] of cases) assert.deepEqual(splitFullName(full), expected, full)
  })

  it('prefers the standard name claims and completes them from name', () => {
    assert.deepEqual(
      personName({
        given_name: 'Chanda',
        middle_name: 'Mwila',
        family_name: 'Bwalya',
        name: 'x y'
      }),
      { firstname: 'Chanda', middlename: 'Mwila', surname: 'Bwalya' }
    )
    assert.deepEqual(
      personName({ given_name: 'Chanda', family_name: 'Bwalya', name: 'Chanda Mwila Bwalya' }),
      { firstname: 'Chanda', middlename: 'Mwila', surname: 'Bwalya' }
    )
    assert.deepEqual(personName({ given_name: 'Juan', family_name: 'de la Cruz' }), {
      firstname: 'Juan',
      surname: 'de la Cruz'
    })
    assert.deepEqual(personName({ family_name: 'Banda', name: 'Joseph Banda' }), {
      firstname: 'Joseph',
      surname: 'Banda'
    })
    assert.deepEqual(personName({ 'name#eng': 'Joseph Banda', 'name#fra': 'Joseph Banda' }), {
      firstname: 'Joseph',
      surname: 'Banda'
    })
    assert.deepEqual(personName({}), { firstname: '', surname: '' })
  })
})

describe('E-Signet birth dates and gender', () => {
  it('reads the formats E-Signet and OIDC use', () => {
    assert.equal(esignetBirthDate('2008/02/29'), '2008-02-29')
    assert.equal(esignetBirthDate('2008-02-29'), '2008-02-29')
    assert.equal(esignetBirthDate('2008.2.9'), '2008-02-09')
    assert.equal(esignetBirthDate('2008-02-29T00:00:00Z'), '2008-02-29')
    assert.equal(esignetBirthDate('20080229'), '2008-02-29')
    for (const unreadable of ['2007/02/29', '1990', '0000-04-12', '12/04/1990', 'soon']) {
      assert.equal(esignetBirthDate(unreadable), '', unreadable)
    }
  })

  it('lower-cases gender and spells out MOSIP codes', () => {
    assert.equal(esignetGender('Female'), 'female')
    assert.equal(esignetGender('MLE'), 'male')
    assert.equal(esignetGender('FLE'), 'female')
    assert.equal(esignetGender('Other'), 'other')
  })
})

describe('toOidpUserInfo', () => {
  it("gives mosip-api's shape", () => {
    assert.deepEqual(
      toOidpUserInfo({
        sub: 'psut-1',
        name: 'Charles Dikkens Doe',
        gender: 'Male',
        birthdate: '2008/02/29',
        individual_id: '1234567890'
      }),
      {
        sub: 'psut-1',
        name: { firstname: 'Charles', middlename: 'Dikkens', surname: 'Doe' },
        gender: 'male',
        dobUnknown: null,
        birthDate: '2008-02-29',
        verificationStatus: 'authenticated',
        idType: 'NATIONAL_ID',
        nid: '1234567890'
      }
    )
  })

  it('leaves out what E-Signet did not send; no sub, no person', () => {
    assert.deepEqual(toOidpUserInfo({ sub: 'psut-2', name: 'Joseph Banda' }), {
      sub: 'psut-2',
      name: { firstname: 'Joseph', surname: 'Banda' },
      verificationStatus: 'authenticated',
      idType: null,
      nid: null
    })
    assert.equal(toOidpUserInfo({ name: 'x' }), undefined)
    assert.equal(toOidpUserInfo({ sub: '' }), undefined)
  })
})

describe("E-Signet's answers", () => {
  it('token endpoint', () => {
    assert.deepEqual(
      classifyTokenResponse(
        { status: 200, body: { access_token: 'at', id_token: 'it', expires_in: '1h' } },
        NOW
      ),
      { ok: true, value: { accessToken: 'at', idToken: 'it' } }
    )
    const cases: Array<[number | undefined, unknown, number, string]> = [
      [400, { error: 'invalid_transaction' }, 400, 'ESIGNET_CODE_REJECTED'],
      [400, { error: 'invalid_grant' }, 400, 'ESIGNET_CODE_REJECTED'],
      [400, { error: 'invalid_redirect_uri' }, 400, 'ESIGNET_REDIRECT_URI_REJECTED'],
      [400, { error: 'invalid_client_id' }, 400, 'ESIGNET_CLIENT_ID_REJECTED'],
      [401, { error: 'invalid_client' }, 400, 'ESIGNET_CLIENT_ID_REJECTED'],
      [400, { error: 'invalid_assertion' }, 502, 'ESIGNET_CLIENT_AUTH_REFUSED'],
      [400, { error: 'invalid_request' }, 502, 'ESIGNET_TOKEN_REFUSED'],
      [404, '<html>', 502, 'ESIGNET_TOKEN_REFUSED'],
      [200, { token_type: 'Bearer' }, 502, 'ESIGNET_BAD_RESPONSE'],
      [503, undefined, 503, 'ESIGNET_UNAVAILABLE'],
      [429, undefined, 503, 'ESIGNET_UNAVAILABLE'],
      [undefined, undefined, 503, 'ESIGNET_UNAVAILABLE']
    ]
    for (const [status, body, expectedStatus, code] of cases) {
      const step = classifyTokenResponse(
        status === undefined ? { error: new Error('ECONNREFUSED') } : { status, body },
        NOW
      )
      assert.equal(step.ok, false)
      if (!step.ok) {
        assert.equal(step.failure.status, expectedStatus, `${status} ${JSON.stringify(body)}`)
        assert.equal(step.failure.code, code)
      }
    }
  })

  it('userinfo endpoint: a compact JWS or JWE only', () => {
    assert.deepEqual(classifyUserinfoResponse({ status: 200, body: 'a.b.c' }, NOW), {
      ok: true,
      value: 'a.b.c'
    })
    assert.equal(classifyUserinfoResponse({ status: 200, body: 'a.b.c.d.e' }, NOW).ok, true)
    for (const body of [{ sub: 'x' }, 'plain', undefined]) {
      const step = classifyUserinfoResponse({ status: 200, body }, NOW)
      assert.ok(!step.ok && step.failure.code === 'ESIGNET_USERINFO_INVALID')
    }
    const refused = classifyUserinfoResponse({ status: 401, body: { error: 'invalid_token' } }, NOW)
    assert.ok(!refused.ok && refused.failure.status === 502)
    const down = classifyUserinfoResponse({ status: 500 }, NOW)
    assert.ok(!down.ok && down.failure.status === 503)
  })

  it('documents (discovery, JWKS)', () => {
    assert.ok(classifyDocumentResponse({ status: 200, body: { keys: [] } }, NOW).ok)
    for (const exchange of [{ status: 404 }, { status: 200, body: 'x' }, { error: new Error() }]) {
      const step = classifyDocumentResponse(exchange, NOW)
      assert.ok(!step.ok && step.failure.code === 'ESIGNET_KEYS_UNAVAILABLE')
    }
  })
})

describe('E-Signet locations and keys', () => {
  it('finds the provider from the token URL', () => {
    assert.deepEqual(providerLocations('https://esignet.example.org/v1/esignet/oauth/v2/token'), {
      base: 'https://esignet.example.org/v1/esignet',
      origin: 'https://esignet.example.org'
    })
    assert.deepEqual(discoveryCandidates('http://localhost:20260/oauth/token'), [
      'http://localhost:20260/.well-known/openid-configuration',
      'http://localhost:20260/oidc/.well-known/openid-configuration'
    ])
  })

  it('strips the query and fragment of the page URL, byte for byte otherwise', () => {
    assert.equal(
      redirectUriOf('http://localhost:3000/drafts/x/review?code=abc&state=noop#top'),
      'http://localhost:3000/drafts/x/review'
    )
    assert.equal(redirectUriOf('http://localhost:3000'), 'http://localhost:3000')
    assert.equal(redirectUriOf('javascript:alert(1)'), undefined)
    assert.equal(redirectUriOf('/relative'), undefined)
  })

  it('reads the client key as base64 JWK, JWK JSON or PEM; refuses public or non-RSA keys', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'k1' }
    const fromBase64 = parseClientKey(Buffer.from(JSON.stringify(jwk)).toString('base64'))
    assert.equal(fromBase64.kid, 'k1')
    assert.equal(fromBase64.privateKey.asymmetricKeyType, 'rsa')
    assert.equal(parseClientKey(JSON.stringify(jwk)).kid, 'k1')
    assert.equal(
      parseClientKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()).kid,
      undefined
    )
    assert.throws(
      () => parseClientKey(JSON.stringify(publicKey.export({ format: 'jwk' }))),
      /public JWK/
    )
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    assert.throws(() => parseClientKey(JSON.stringify(ec.export({ format: 'jwk' }))), /not an RSA/)
    assert.throws(() => parseClientKey('not a key'), /neither/)
    assert.throws(() => parseClientKey(''), /empty/)
  })
})
