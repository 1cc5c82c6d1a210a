import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import {
  compactDecrypt,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  importJWK,
  jwtVerify,
  SignJWT,
  type JWK
} from 'jose'
import {
  esignetTokenResponseSchema,
  esignetUserinfoClaimsSchema,
  oauthErrorSchema,
  openIdConfigurationSchema,
  type OpenIdConfiguration
} from '@mosip-bridge/contracts'
import { createEsignetSimulator, type EsignetSimulator } from '../src/esignet/index.js'

const CLIENT_ID = 'opencrvs-rp'
const JWE_CLIENT_ID = 'opencrvs-rp-jwe'
const REDIRECT_URI = 'http://localhost:3000/drafts/esignet-callback'
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

type SigningKey = Awaited<ReturnType<typeof importJWK>>

describe('simulated E-Signet', () => {
  let esignet: EsignetSimulator
  let config: OpenIdConfiguration
  let jwks: ReturnType<typeof createRemoteJWKSet>
  /** The relying party's private JWK, read the way the bridge reads OIDP_CLIENT_PRIVATE_KEY_PATH. */
  let rpJwk: JWK
  let rpKey: SigningKey

  before(async () => {
    esignet = await createEsignetSimulator({
      clients: [
        { clientId: CLIENT_ID, redirectUris: ['http://localhost:3000/*'] },
        { clientId: JWE_CLIENT_ID, redirectUris: [REDIRECT_URI], userinfoResponseType: 'JWE' }
      ],
      users: [
        {
          individualId: '1234567890',
          given_name: 'Charles',
          middle_name: 'Dikkens',
          family_name: 'Doe 2nd',
          gender: 'male',
          birthdate: '2008-02-29',
          email: 'charles@example.org',
          address: { locality: 'Ibombo', country: 'Farajaland' }
        },
        {
          individualId: '1234567891',
          name: 'Jenny Debra Doe',
          gender: 'female',
          birthdate: '2002/02/01'
        }
      ],
      autoApprove: '1234567890'
    })
    const text = esignet.clientPrivateKeyBase64(CLIENT_ID)
    rpJwk = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as JWK
    rpKey = await importJWK(rpJwk, 'RS256')
    config = openIdConfigurationSchema.parse(
      await (await fetch(`${esignet.url}/.well-known/openid-configuration`)).json()
    )
    jwks = createRemoteJWKSet(new URL(config.jwks_uri))
  })
  after(() => esignet.close())

  async function authorize(
    clientId = CLIENT_ID,
    redirectUri = REDIRECT_URI
  ): Promise<{ code: string; state: string | null }> {
    const state = randomUUID()
    const response = await fetch(
      esignet.authorizeUrl({ clientId, redirectUri, state, nonce: randomUUID() }),
      { redirect: 'manual' }
    )
    assert.equal(response.status, 302)
    const location = new URL(response.headers.get('location') ?? '')
    assert.equal(`${location.origin}${location.pathname}`, redirectUri)
    assert.equal(location.searchParams.get('state'), state)
    const code = location.searchParams.get('code')
    assert.ok(code)
    return { code, state: location.searchParams.get('state') }
  }

  async function clientAssertion(
    options: {
      clientId?: string
      aud?: string
      jti?: string | null
      key?: SigningKey
      exp?: number
    } = {}
  ): Promise<string> {
    const clientId = options.clientId ?? CLIENT_ID
    const now = Math.floor(Date.now() / 1000)
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(options.aud ?? config.token_endpoint)
      .setIssuedAt(now)
      .setExpirationTime(options.exp ?? now + 120)
    if (options.jti !== null) jwt.setJti(options.jti ?? randomUUID())
    return jwt.sign(options.key ?? rpKey)
  }

  async function token(
    form: Record<string, string>,
    url = config.token_endpoint
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString()
    })
    return { status: response.status, body: await response.json(), headers: response.headers }
  }

  function tokenForm(code: string, assertion: string, overrides: Record<string, string> = {}) {
    return {
      grant_type: 'authorization_code',
      code,
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
      ...overrides
    }
  }

  function oauthError(result: { status: number; body: unknown }): string {
    assert.equal(result.status, 400)
    return oauthErrorSchema.parse(result.body).error
  }

  async function userinfo(accessToken: string): Promise<Response> {
    return fetch(config.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` } })
  }

  it('publishes discovery and JWKS pointing at its own endpoints', async () => {
    assert.equal(config.issuer, esignet.url)
    assert.equal(config.token_endpoint, `${esignet.url}/oauth/v2/token`)
    assert.equal(config.userinfo_endpoint, `${esignet.url}/oidc/userinfo`)
    assert.equal(config.authorization_endpoint, `${esignet.url}/authorize`)
    assert.deepEqual(config.token_endpoint_auth_methods_supported, ['private_key_jwt'])
    const keys = (await (await fetch(config.jwks_uri)).json()) as { keys: JWK[] }
    // eSignet's OIDC and KYC keys, and IDA's key.
    assert.equal(keys.keys.length, 3)
    for (const key of keys.keys) {
      assert.equal(key.kty, 'RSA')
      assert.equal(key.d, undefined)
      assert.ok(key.kid && key.x5c?.[0])
    }
    // The relying party's key is a complete private RSA JWK.
    assert.equal(rpJwk.kty, 'RSA')
    assert.ok(rpJwk.d && rpJwk.n)
  })

  it('completes a login: authorize → code → token (private_key_jwt) → signed userinfo', async () => {
    const { code } = await authorize()
    const result = await token(tokenForm(code, await clientAssertion()))
    assert.equal(result.status, 200)
    assert.equal(result.headers.get('cache-control'), 'no-store')
    const tokens = esignetTokenResponseSchema.parse(result.body)
    assert.equal(tokens.token_type, 'Bearer')
    assert.equal(tokens.expires_in, 3600)
    const idToken = await jwtVerify(tokens.id_token ?? '', jwks, {
      issuer: config.issuer,
      audience: CLIENT_ID
    })

    const response = await userinfo(tokens.access_token)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^application\/jwt/)
    const jws = await response.text()
    assert.equal(jws.split('.').length, 3)
    const { payload, protectedHeader } = await jwtVerify(jws, jwks, {
      algorithms: ['PS256', 'RS256'],
      issuer: config.issuer,
      audience: CLIENT_ID
    })
    assert.equal(protectedHeader.alg, 'PS256')
    const claims = esignetUserinfoClaimsSchema.parse(payload)
    assert.equal(claims.sub, idToken.payload.sub)
    assert.equal(claims.name, 'Charles Dikkens Doe 2nd')
    assert.equal(claims.birthdate, '2008/02/29')
    assert.equal(claims.gender, 'male')
    assert.equal(claims.individual_id, '1234567890')
  })

  it('refuses a replayed client assertion jti, and a failed assertion does not spend the code', async () => {
    const jti = randomUUID()
    const first = await authorize()
    assert.equal((await token(tokenForm(first.code, await clientAssertion({ jti })))).status, 200)

    const second = await authorize()
    const replay = await token(tokenForm(second.code, await clientAssertion({ jti })))
    assert.equal(oauthError(replay), 'invalid_assertion')
    const retried = await token(tokenForm(second.code, await clientAssertion()))
    assert.equal(retried.status, 200)

    const third = await authorize()
    const noJti = await token(tokenForm(third.code, await clientAssertion({ jti: null })))
    assert.equal(oauthError(noJti), 'invalid_assertion')
  })

  it('refuses a client assertion with a wrong aud, a wrong key or an expired exp', async () => {
    const { code } = await authorize()
    const elsewhere = await token(
      tokenForm(code, await clientAssertion({ aud: 'https://esignet.example.org/oauth/v2/token' }))
    )
    assert.equal(oauthError(elsewhere), 'invalid_assertion')
    // The legacy endpoint's URL is not the v2 endpoint's audience.
    const legacyAud = await token(
      tokenForm(code, await clientAssertion({ aud: esignet.endpoints.legacyToken }))
    )
    assert.equal(oauthError(legacyAud), 'invalid_assertion')

    const jweClientKey = await importJWK(esignet.clientPrivateJwk(JWE_CLIENT_ID), 'RS256')
    const wrongKey = await token(tokenForm(code, await clientAssertion({ key: jweClientKey })))
    assert.equal(oauthError(wrongKey), 'invalid_assertion')

    const expired = await token(
      tokenForm(code, await clientAssertion({ exp: Math.floor(Date.now() / 1000) - 60 }))
    )
    assert.equal(oauthError(expired), 'invalid_assertion')

    const wrongType = await token(
      tokenForm(code, await clientAssertion(), { client_assertion_type: 'client_secret' })
    )
    assert.equal(oauthError(wrongType), 'invalid_assertion_type')

    // The legacy endpoint takes its own URL as audience.
    const legacy = await token(
      tokenForm(code, await clientAssertion({ aud: esignet.endpoints.legacyToken })),
      esignet.endpoints.legacyToken
    )
    assert.equal(legacy.status, 200)
  })

  it('binds the code to one use, its client and its redirect_uri, and expires it', async () => {
    const { code } = await authorize()
    const otherRedirect = await token(
      tokenForm(code, await clientAssertion(), { redirect_uri: 'http://localhost:3000/other' })
    )
    assert.equal(oauthError(otherRedirect), 'invalid_redirect_uri')
    const otherClient = await token(
      tokenForm(code, await clientAssertion({ clientId: JWE_CLIENT_ID }), {
        client_id: JWE_CLIENT_ID
      })
    )
    assert.equal(oauthError(otherClient), 'invalid_client_id')

    assert.equal((await token(tokenForm(code, await clientAssertion()))).status, 200)
    const reused = await token(tokenForm(code, await clientAssertion()))
    assert.equal(oauthError(reused), 'invalid_transaction')

    const late = await authorize()
    esignet.expireCodes()
    const expired = await token(tokenForm(late.code, await clientAssertion()))
    assert.equal(oauthError(expired), 'invalid_transaction')

    const unknown = await token(tokenForm('not-a-code', await clientAssertion()))
    assert.equal(oauthError(unknown), 'invalid_transaction')
  })

  it('wraps userinfo in a JWE for clients registered so, decryptable with the RP private key', async () => {
    const { code } = await authorize(JWE_CLIENT_ID)
    const jweKey = esignet.clientPrivateJwk(JWE_CLIENT_ID)
    const result = await token({
      grant_type: 'authorization_code',
      code,
      client_id: JWE_CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      client_assertion_type: JWT_BEARER,
      client_assertion: await clientAssertion({
        clientId: JWE_CLIENT_ID,
        key: await importJWK(jweKey, 'RS256')
      })
    })
    const tokens = esignetTokenResponseSchema.parse(result.body)
    const response = await userinfo(tokens.access_token)
    assert.match(response.headers.get('content-type') ?? '', /^application\/jwt/)
    const jwe = await response.text()
    assert.equal(jwe.split('.').length, 5)
    const header = decodeProtectedHeader(jwe)
    assert.equal(header.alg, 'RSA-OAEP-256')
    assert.equal(header.enc, 'A256GCM')
    const { plaintext } = await compactDecrypt(jwe, await importJWK(jweKey, 'RSA-OAEP-256'))
    const { payload } = await jwtVerify(new TextDecoder().decode(plaintext), jwks, {
      issuer: config.issuer,
      audience: JWE_CLIENT_ID
    })
    assert.equal(esignetUserinfoClaimsSchema.parse(payload).birthdate, '2008/02/29')

    // JWE can be switched on and off per client.
    esignet.setUserinfoResponseType(CLIENT_ID, 'JWE')
    const plain = await authorize()
    const plainTokens = esignetTokenResponseSchema.parse(
      (await token(tokenForm(plain.code, await clientAssertion()))).body
    )
    const wrapped = await (await userinfo(plainTokens.access_token)).text()
    assert.equal(wrapped.split('.').length, 5)
    await compactDecrypt(wrapped, await importJWK(rpJwk, 'RSA-OAEP-256'))
    esignet.setUserinfoResponseType(CLIENT_ID, 'JWS')
    assert.equal((await (await userinfo(plainTokens.access_token)).text()).split('.').length, 3)
  })

  it("signs userinfo with IDA's key by default (published in the JWKS), or with its own", async () => {
    const { code } = await authorize()
    const tokens = esignetTokenResponseSchema.parse(
      (await token(tokenForm(code, await clientAssertion()))).body
    )
    const published = (await (await fetch(config.jwks_uri)).json()) as { keys: JWK[] }
    const kids = esignet.signingKids
    assert.notEqual(kids.ida, kids.esignet)
    assert.ok(published.keys.some((key) => key.kid === kids.ida && key.use === 'sig'))
    const byIda = await (await userinfo(tokens.access_token)).text()
    assert.equal(decodeProtectedHeader(byIda).kid, kids.ida)
    await jwtVerify(byIda, jwks, { algorithms: ['PS256'], audience: CLIENT_ID })
    try {
      esignet.setUserinfoSigner('esignet')
      const byEsignet = await (await userinfo(tokens.access_token)).text()
      assert.equal(decodeProtectedHeader(byEsignet).kid, kids.esignet)
      await jwtVerify(byEsignet, jwks, { algorithms: ['PS256'], audience: CLIENT_ID })
    } finally {
      esignet.setUserinfoSigner('ida')
    }
  })

  it('encrypts userinfo to a separately registered client encryption key when set so', async () => {
    esignet.setClientEncryptionKey(CLIENT_ID, 'separate')
    esignet.setUserinfoResponseType(CLIENT_ID, 'JWE')
    try {
      const { code } = await authorize()
      const tokens = esignetTokenResponseSchema.parse(
        (await token(tokenForm(code, await clientAssertion()))).body
      )
      const jwe = await (await userinfo(tokens.access_token)).text()
      const encryptionJwk = JSON.parse(
        Buffer.from(esignet.clientEncryptionKeyBase64(CLIENT_ID), 'base64').toString('utf8')
      ) as JWK
      assert.notEqual(encryptionJwk.n, rpJwk.n)
      assert.equal(decodeProtectedHeader(jwe).kid, encryptionJwk.kid)
      // The assertion key no longer opens it; the encryption key does.
      await assert.rejects(compactDecrypt(jwe, await importJWK(rpJwk, 'RSA-OAEP-256')))
      const { plaintext } = await compactDecrypt(
        jwe,
        await importJWK(encryptionJwk, 'RSA-OAEP-256')
      )
      await jwtVerify(new TextDecoder().decode(plaintext), jwks, { audience: CLIENT_ID })
    } finally {
      esignet.setClientEncryptionKey(CLIENT_ID, 'assertion')
      esignet.setUserinfoResponseType(CLIENT_ID, 'JWS')
    }
    assert.throws(() => esignet.clientEncryptionKeyBase64(CLIENT_ID), /no separate encryption key/)
  })

  it('can sign the next userinfo with a key that fails verification, or one the JWKS lacks', async () => {
    const { code } = await authorize()
    const tokens = esignetTokenResponseSchema.parse(
      (await token(tokenForm(code, await clientAssertion()))).body
    )
    esignet.signNextUserinfoWithWrongKey()
    const forged = await (await userinfo(tokens.access_token)).text()
    await assert.rejects(
      jwtVerify(forged, jwks, { algorithms: ['PS256'] }),
      joseErrors.JWSSignatureVerificationFailed
    )
    const genuine = await (await userinfo(tokens.access_token)).text()
    await jwtVerify(genuine, jwks, { algorithms: ['PS256'] })
    esignet.signNextUserinfoWithUnknownKey()
    const stranger = await (await userinfo(tokens.access_token)).text()
    const { kid } = decodeProtectedHeader(stranger)
    assert.ok(kid && !Object.values(esignet.signingKids).includes(kid))
    await assert.rejects(
      jwtVerify(stranger, jwks, { algorithms: ['PS256'] }),
      joseErrors.JWKSNoMatchingKey
    )
  })

  it('refuses userinfo without a valid bearer token with 401', async () => {
    const missing = await fetch(config.userinfo_endpoint)
    assert.equal(missing.status, 401)
    assert.match(missing.headers.get('www-authenticate') ?? '', /invalid_token/)
    const forged = await userinfo(await clientAssertion())
    assert.equal(forged.status, 401)
  })

  it('shows a login page when no user is auto-approved, and validates /authorize', async () => {
    esignet.approveAs(undefined)
    try {
      const page = await fetch(
        esignet.authorizeUrl({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI, state: 's1' }),
        { redirect: 'manual' }
      )
      assert.equal(page.status, 200)
      const html = await page.text()
      const transactionId = /name="transaction_id" value="([^"]+)"/.exec(html)?.[1]
      assert.ok(transactionId)
      const login = (individualId: string) =>
        fetch(`${esignet.url}/authorize/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ transaction_id: transactionId, individual_id: individualId }),
          redirect: 'manual'
        })
      const unknown = await login('0000000000')
      assert.equal(unknown.status, 200)
      assert.match(await unknown.text(), /No identity found/)
      const known = await login('1234567891')
      assert.equal(known.status, 302)
      const location = new URL(known.headers.get('location') ?? '')
      assert.equal(location.searchParams.get('state'), 's1')
      const result = await token(
        tokenForm(location.searchParams.get('code') ?? '', await clientAssertion())
      )
      const tokens = esignetTokenResponseSchema.parse(result.body)
      const { payload } = await jwtVerify(await (await userinfo(tokens.access_token)).text(), jwks)
      assert.equal(payload.name, 'Jenny Debra Doe')
      assert.equal(payload.birthdate, '2002/02/01')
    } finally {
      esignet.approveAs('1234567890')
    }

    const base = new URL(esignet.authorizeUrl({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI }))
    const variant = async (change: (url: URL) => void) => {
      const url = new URL(base)
      change(url)
      const response = await fetch(url, { redirect: 'manual' })
      assert.equal(response.status, 400)
      return oauthErrorSchema.parse(await response.json()).error
    }
    assert.equal(await variant((u) => u.searchParams.delete('claims')), 'invalid_request')
    assert.equal(
      await variant((u) => u.searchParams.set('claims', 'name,family_name,birthdate')),
      'invalid_request'
    )
    assert.equal(
      await variant((u) => u.searchParams.set('client_id', 'nobody')),
      'invalid_client_id'
    )
    assert.equal(
      await variant((u) => u.searchParams.set('redirect_uri', 'https://evil.example/cb')),
      'invalid_redirect_uri'
    )
    assert.equal(await variant((u) => u.searchParams.set('scope', 'profile')), 'invalid_scope')
    assert.ok(esignet.sim.requests('esignet-authorize').length > 0)
  })
  it('serves the API under a base path, and enforces PKCE when a code_challenge was sent', async () => {
    const prefixed = await createEsignetSimulator({
      clients: [{ clientId: CLIENT_ID, redirectUris: [REDIRECT_URI] }],
      users: [{ individualId: '1234567890', name: 'Charles Doe 2nd' }],
      autoApprove: '1234567890',
      basePath: '/v1/esignet'
    })
    try {
      const discovered = openIdConfigurationSchema.parse(
        await (await fetch(`${prefixed.url}/v1/esignet/.well-known/openid-configuration`)).json()
      )
      assert.equal(discovered.issuer, `${prefixed.url}/v1/esignet`)
      assert.equal(discovered.token_endpoint, `${prefixed.url}/v1/esignet/oauth/v2/token`)
      const key = await importJWK(prefixed.clientPrivateJwk(), 'RS256')

      const verifier = randomBytes(32).toString('base64url')
      const url = new URL(prefixed.authorizeUrl({ clientId: CLIENT_ID, redirectUri: REDIRECT_URI }))
      url.searchParams.set(
        'code_challenge',
        createHash('sha256').update(verifier).digest('base64url')
      )
      url.searchParams.set('code_challenge_method', 'S256')
      const redirect = await fetch(url, { redirect: 'manual' })
      const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? ''
      const exchange = async (extra: Record<string, string>) =>
        token(
          tokenForm(code, await clientAssertion({ aud: discovered.token_endpoint, key }), extra),
          discovered.token_endpoint
        )
      assert.equal(oauthError(await exchange({})), 'invalid_pkce_code_verifier')
      assert.equal(
        oauthError(await exchange({ code_verifier: 'x'.repeat(43) })),
        'pkce_check_failed'
      )
      assert.equal((await exchange({ code_verifier: verifier })).status, 200)
    } finally {
      await prefixed.close()
    }
  })
})
