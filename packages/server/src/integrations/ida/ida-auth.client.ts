/**
 * MOSIP IDA demographic authentication (`POST {IDA_AUTH_URL}/{MISP-LK}/{partnerId}/{apiKey}`):
 * builds, encrypts and signs the request with keys loaded once, sends it with a timeout and
 * classifies the answer (core/ida-auth-result.ts). Logs carry ids, error codes and timings, never
 * the person's data, the URL (it holds the licence and API keys) or IDA's auth token.
 */
import { randomInt } from 'node:crypto'
import {
  buildIdaAuthData,
  buildIdaAuthRequest,
  individualIdTypeOf,
  type IndividualIdType,
  type IndividualIdTypeMode,
  type PersonToVerify
} from '../../core/ida-auth-request.js'
import { classifyIdaResponse, type IdaVerdict } from '../../core/ida-auth-result.js'
import type { IdaVerifier, IdaVerifyContext } from '../../core/ida-verification.js'
import { joinUrl } from '../../core/join-url.js'
import type { Logger } from '../../observability/logger.js'
import { exchange } from '../http-exchange.js'
import {
  base64urlPadded,
  encryptIdaSymmetric,
  encryptSessionKey,
  newSessionKey,
  requestDigest
} from './ida-crypto.js'
import type { IdaMaterial } from './ida-material.js'

export interface IdaAuthClientOptions {
  /** `IDA_AUTH_URL`, e.g. `https://api.example.org/idauthentication/v1/auth`. */
  authUrl: string
  partner: { mispLicenseKey: string; id: string; apiKey: string }
  /** `IDA_AUTH_DOMAIN_URI`. */
  domainUri: string
  /** `env` of the body (`Staging`, `Production`...). */
  env: string
  /** Language of the name and gender values. */
  language: string
  individualIdType: IndividualIdTypeMode
  timeoutMs: number
  material: IdaMaterial
  logger: Pick<Logger, 'info' | 'warn' | 'error'>
  clock?: () => number
  /** The 10-character transaction id; default 10 random digits. */
  newTransactionId?: () => string
}

/** A signed request, ready to post. */
interface SignedIdaRequest {
  /** The exact JSON text that was signed. */
  body: string
  /** Value of the `Signature` header. */
  signature: string
  transactionId: string
  individualIdType: IndividualIdType
}

/** 10 random digits from the CSPRNG (IDA accepts `[A-Z0-9]{10}`). */
export function randomTransactionId(): string {
  return String(randomInt(1_000_000_000, 10_000_000_000))
}

export class IdaAuthClient implements IdaVerifier {
  readonly status = { available: true } as const
  private readonly options: IdaAuthClientOptions
  private readonly url: string
  private readonly clock: () => number
  private readonly newTransactionId: () => string

  constructor(options: IdaAuthClientOptions) {
    this.options = options
    const { mispLicenseKey, id, apiKey } = options.partner
    this.url = joinUrl(options.authUrl, mispLicenseKey, id, apiKey).href
    this.clock = options.clock ?? Date.now
    this.newTransactionId = options.newTransactionId ?? randomTransactionId
  }

  /**
   * Builds, encrypts and signs one request (exposed for tests and the benchmark); the signature is
   * computed on libuv's thread pool.
   */
  async buildRequest(person: PersonToVerify): Promise<SignedIdaRequest> {
    const { material } = this.options
    const now = new Date(this.clock()).toISOString()
    const data = Buffer.from(
      JSON.stringify(buildIdaAuthData(person, this.options.language, now)),
      'utf8'
    )
    const sessionKey = newSessionKey()
    const individualIdType = individualIdTypeOf(person.nid, this.options.individualIdType)
    const transactionId = this.newTransactionId()
    const body = JSON.stringify(
      buildIdaAuthRequest({
        individualId: person.nid,
        individualIdType,
        transactionId,
        requestTime: now,
        domainUri: this.options.domainUri,
        env: this.options.env,
        thumbprint: material.thumbprint,
        request: base64urlPadded(encryptIdaSymmetric(sessionKey, data)),
        requestSessionKey: encryptSessionKey(material.idaPublicKey, sessionKey).toString(
          'base64url'
        ),
        requestHMAC: base64urlPadded(encryptIdaSymmetric(sessionKey, requestDigest(data)))
      })
    )
    sessionKey.fill(0)
    return {
      body,
      signature: await material.signer.signInBackground(Buffer.from(body, 'utf8')),
      transactionId,
      individualIdType
    }
  }

  async verify(person: PersonToVerify, context: IdaVerifyContext = {}): Promise<IdaVerdict> {
    const started = this.clock()
    const request = await this.buildRequest(person)
    const result = await exchange(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        // A literal, as MOSIP's reference SDK and mosip-api send it; IDA requires the header.
        authorization: 'Authorization',
        signature: request.signature
      },
      body: request.body,
      timeoutMs: this.options.timeoutMs,
      call: { partner: 'ida', operation: 'authenticate' }
    })
    const verdict = classifyIdaResponse(result, this.clock())
    this.log(verdict, request, context, this.clock() - started)
    return verdict
  }

  private log(
    verdict: IdaVerdict,
    request: SignedIdaRequest,
    context: IdaVerifyContext,
    durationMs: number
  ): void {
    const fields = {
      event: 'ida.auth',
      outcome: verdict.kind,
      idaTransactionId: request.transactionId,
      ...(context.transactionId !== undefined ? { transactionId: context.transactionId } : {}),
      individualIdType: request.individualIdType,
      durationMs
    }
    switch (verdict.kind) {
      case 'verified':
        this.options.logger.info(fields, 'IDA authenticated the person')
        return
      case 'failed':
        this.options.logger.info(
          {
            ...fields,
            idaErrorCodes: verdict.errors.map((error) => error.errorCode),
            reasons: verdict.errors.map((error) => error.reason)
          },
          'IDA did not authenticate the person'
        )
        return
      case 'unavailable':
        this.options.logger.warn(
          { ...fields, resultCode: verdict.code, detail: verdict.reason },
          'IDA unavailable: answered 503'
        )
        return
      case 'refused':
        this.options.logger.error(
          { ...fields, resultCode: verdict.code, idaErrorCodes: verdict.idaErrorCodes },
          `IDA refused the bridge's request: ${verdict.reason}`
        )
    }
  }
}
