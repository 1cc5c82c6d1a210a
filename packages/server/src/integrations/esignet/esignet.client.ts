/**
 * The relying-party side of an E-Signet login, as `/esignet/get-oidp-user-info` runs it:
 * 1. the authorization code is exchanged at the token endpoint, the client authenticated with a
 *    `private_key_jwt` assertion signed by the relying party's key;
 * 2. userinfo is fetched with the access token;
 * 3. a JWE userinfo is decrypted with the client's encryption key (the assertion key when no
 *    separate one is configured), and the JWS inside is verified against every key E-Signet
 *    publishes, IDA's included (mosip-api only decodes it);
 * 4. the claims become mosip-api's response (core/esignet-person.ts).
 * All calls share one deadline. Logs hold the client id, outcome codes and timings; never the
 * code, tokens, assertion or claims.
 */
import { randomUUID, type KeyObject } from 'node:crypto'
import { compactDecrypt, decodeProtectedHeader, errors as joseErrors } from 'jose'
import { CLIENT_ASSERTION_TYPE_JWT_BEARER } from '@mosip-bridge/contracts'
import {
  classifyTokenResponse,
  classifyUserinfoResponse,
  ESIGNET_CODES,
  esignetFailure,
  esignetOk,
  type EsignetFailure,
  type EsignetStep
} from '../../core/esignet-outcome.js'
import { toOidpUserInfo, type OidpUserInfo } from '../../core/esignet-person.js'
import type { Logger } from '../../observability/logger.js'
import { exchange } from '../http-exchange.js'
import { signClientAssertion } from './client-assertion.js'
import type { EsignetClientKey } from './client-key.js'
import type { EsignetKeys } from './esignet-keys.js'

/** What the route hands over. */
export interface EsignetLoginInput {
  code: string
  state: string
  /** The relying party's client id (`OPENID_PROVIDER_CLIENT_ID` of the country configuration). */
  clientId: string
  /** The page the login returned to; its query and fragment are dropped, as mosip-api does. */
  redirectUri: string
}

export type EsignetLoginStatus =
  { available: true } | { available: false; code: string; reason: string }

/** The port the route talks to. */
export interface EsignetLogin {
  readonly status: EsignetLoginStatus
  login(input: EsignetLoginInput): Promise<EsignetStep<OidpUserInfo>>
}

/** JWE algorithms E-Signet encrypts userinfo with (RSA-OAEP-256 + A256GCM by default). */
const JWE_KEY_ALGORITHMS = ['RSA-OAEP-256', 'RSA-OAEP', 'RSA-OAEP-384', 'RSA-OAEP-512']
const JWE_CONTENT_ALGORITHMS = [
  'A256GCM',
  'A192GCM',
  'A128GCM',
  'A256CBC-HS512',
  'A192CBC-HS384',
  'A128CBC-HS256'
]

export interface EsignetClientOptions {
  tokenUrl: string
  userinfoUrl: string
  /** Signs client assertions; decrypts userinfo too when there is no `encryptionKey`. */
  key: EsignetClientKey
  /** `OIDP_CLIENT_ENCRYPTION_KEY_PATH`: the key E-Signet encrypts userinfo to, when separate. */
  encryptionKey?: EsignetClientKey
  keys: EsignetKeys
  /** Accepted `state` values; undefined: not checked. */
  expectedStates: readonly string[] | undefined
  /** Deadline of one whole login (token, keys, userinfo). */
  timeoutMs: number
  logger: Pick<Logger, 'info' | 'warn' | 'error'>
  clock?: () => number
  /** `jti` of client assertions; default a random UUID. */
  newJti?: () => string
}

/**
 * `redirect_uri` as sent to `/authorize`: the page URL without its query and fragment, cut as
 * text so that the rest stays byte for byte what E-Signet compares it with.
 */
export function redirectUriOf(pageUrl: string): string | undefined {
  const cut = pageUrl.trim().split(/[?#]/, 1)[0] ?? ''
  if (!URL.canParse(cut)) return undefined
  const { protocol } = new URL(cut)
  return protocol === 'http:' || protocol === 'https:' ? cut : undefined
}

export class EsignetClient implements EsignetLogin {
  readonly status = { available: true } as const
  private readonly options: EsignetClientOptions
  private readonly clock: () => number
  private readonly newJti: () => string

  constructor(options: EsignetClientOptions) {
    this.options = options
    this.clock = options.clock ?? Date.now
    this.newJti = options.newJti ?? randomUUID
  }

  async login(input: EsignetLoginInput): Promise<EsignetStep<OidpUserInfo>> {
    const started = this.clock()
    const result = await this.run(input)
    const fields = {
      event: 'esignet.login',
      clientId: input.clientId,
      durationMs: this.clock() - started
    }
    if (result.ok) {
      this.options.logger.info(
        { ...fields, outcome: 'authenticated', hasNationalId: result.value.nid !== null },
        'E-Signet login verified'
      )
    } else {
      this.logFailure(fields, result.failure)
    }
    return result
  }

  private logFailure(fields: Record<string, unknown>, failure: EsignetFailure): void {
    const entry = {
      ...fields,
      outcome: 'failed',
      resultCode: failure.code,
      status: failure.status,
      ...(failure.detail !== undefined ? { detail: failure.detail } : {})
    }
    if (failure.status === 400) this.options.logger.info(entry, 'E-Signet login refused')
    else if (failure.status === 503) this.options.logger.warn(entry, 'E-Signet unavailable')
    else this.options.logger.error(entry, 'E-Signet login failed on the provider side')
  }

  private async run(input: EsignetLoginInput): Promise<EsignetStep<OidpUserInfo>> {
    const expected = this.options.expectedStates
    if (expected !== undefined && !expected.includes(input.state)) {
      return esignetFailure(
        400,
        ESIGNET_CODES.stateMismatch,
        'the state does not match the one this deployment starts E-Signet logins with'
      )
    }
    const redirectUri = redirectUriOf(input.redirectUri)
    if (redirectUri === undefined) {
      return esignetFailure(
        400,
        ESIGNET_CODES.redirectUriRejected,
        'redirectUri must be an http(s) URL: the page the E-Signet login returned to'
      )
    }
    const signal = AbortSignal.timeout(this.options.timeoutMs)
    const grant = await this.exchangeCode(input, redirectUri, signal)
    if (!grant.ok) return grant
    const userinfo = await this.fetchUserinfo(grant.value.accessToken, signal)
    if (!userinfo.ok) return userinfo
    const jws = await this.unwrap(userinfo.value)
    if (!jws.ok) return jws
    const claims = await this.options.keys.verify(jws.value, signal)
    if (!claims.ok) return claims
    const person = toOidpUserInfo(claims.value)
    if (!person) {
      return esignetFailure(
        502,
        ESIGNET_CODES.userinfoInvalid,
        'E-Signet answered userinfo without a subject',
        'no sub'
      )
    }
    return esignetOk(person)
  }

  private async exchangeCode(input: EsignetLoginInput, redirectUri: string, signal: AbortSignal) {
    const assertion = await signClientAssertion({
      clientId: input.clientId,
      audience: this.options.tokenUrl,
      privateKey: this.options.key.privateKey,
      now: this.clock(),
      jti: this.newJti()
    })
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: input.code,
      client_id: input.clientId,
      redirect_uri: redirectUri,
      client_assertion_type: CLIENT_ASSERTION_TYPE_JWT_BEARER,
      client_assertion: assertion
    })
    const response = await exchange(this.options.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json'
      },
      body: form.toString(),
      timeoutMs: this.options.timeoutMs,
      call: { partner: 'esignet', operation: 'token' },
      signal
    })
    return classifyTokenResponse(response, this.clock())
  }

  private async fetchUserinfo(accessToken: string, signal: AbortSignal) {
    const response = await exchange(this.options.userinfoUrl, {
      method: 'GET',
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: 'application/jwt, application/json;q=0.5'
      },
      timeoutMs: this.options.timeoutMs,
      call: { partner: 'esignet', operation: 'userinfo' },
      signal
    })
    return classifyUserinfoResponse(response, this.clock())
  }

  /**
   * The key a JWE userinfo is decrypted with. With a separate encryption key configured, that key,
   * unless the JWE's `kid` names the assertion key (and not the encryption key): E-Signet still
   * holds the client's earlier registration, where one key did both jobs. There is no trial of
   * one key after the other: a JWE the encryption key cannot open fails with an error naming
   * that key, so a wrong file is seen at once instead of being hidden by a fallback.
   */
  private decryptionKey(token: string): { key: KeyObject; variable: string } {
    const { key, encryptionKey } = this.options
    const assertionKey = { key: key.privateKey, variable: 'OIDP_CLIENT_PRIVATE_KEY_PATH' }
    if (!encryptionKey) return assertionKey
    let kid: unknown
    try {
      kid = decodeProtectedHeader(token).kid
    } catch {
      kid = undefined // compactDecrypt reports the unreadable header.
    }
    const namesAssertionKey =
      typeof kid === 'string' && kid === key.kid && kid !== encryptionKey.kid
    return namesAssertionKey
      ? assertionKey
      : { key: encryptionKey.privateKey, variable: 'OIDP_CLIENT_ENCRYPTION_KEY_PATH' }
  }

  /** The JWS itself, or the JWS inside a JWE encrypted to the relying party's key. */
  private async unwrap(token: string): Promise<EsignetStep<string>> {
    if (token.split('.').length !== 5) return esignetOk(token)
    const decryption = this.decryptionKey(token)
    try {
      const { plaintext } = await compactDecrypt(token, decryption.key, {
        keyManagementAlgorithms: JWE_KEY_ALGORITHMS,
        contentEncryptionAlgorithms: JWE_CONTENT_ALGORITHMS
      })
      const inner = new TextDecoder().decode(plaintext).trim()
      if (inner.split('.').length !== 3) {
        return esignetFailure(
          502,
          ESIGNET_CODES.userinfoInvalid,
          'E-Signet encrypted a userinfo that is not a signed JWT',
          'JWE without a JWS inside'
        )
      }
      return esignetOk(inner)
    } catch (error) {
      const reason = error instanceof joseErrors.JOSEError ? error.code : 'decryption failed'
      return esignetFailure(
        502,
        ESIGNET_CODES.userinfoUndecryptable,
        `E-Signet's encrypted userinfo cannot be decrypted with the key of ${decryption.variable}`,
        `${reason} (key of ${decryption.variable})`
      )
    }
  }
}
