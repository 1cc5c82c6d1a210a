import { createHash, createHmac, randomBytes } from 'node:crypto'
import { newRsaKeyPair } from '../shared/rsa-key-pair.js'
import {
  IDA_AUTH_ID,
  IDA_AUTH_VERSION,
  MOSIP_IDENTITY_STATUS,
  IDA_DATE_TIME_PATTERN,
  IDA_RESPONSE_SIGNATURE_HEADER,
  IDA_TRANSACTION_ID_PATTERN,
  type IdaAuthResponse,
  type IdaError
} from '@mosip-bridge/contracts'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { createCertifiedKey, toPkcs12, type CertifiedKey } from '../shared/pki.js'
import type { SimServer } from '../shared/sim-server.js'
import { hasDemographics, matchDemographics, readDemographics } from './demographic-match.js'
import {
  decodeBase64Lenient,
  decryptIdaSymmetric,
  decryptSessionKey,
  signDetachedJws,
  verifyDetachedJws
} from './ida-crypto.js'
import { idaErrors, IdaRejection } from './ida-errors.js'
import {
  DEFAULT_IDA_ATTRIBUTE_MAPPING,
  idaView,
  identitySeedOf,
  type IdaAttributeMapping,
  type IdaIdentityInput,
  type IdaIdentityStatus
} from './ida-identity.js'
import { IdentityStore } from '../mosip/core/identity-store.js'

/** Route of the demographic authentication API (IDA lives on the simulated MOSIP host). */
export const IDA_AUTH_ROUTE = '/idauthentication/v1/auth/:mispLK/:partnerId/:apiKey'
/** Service name for faults and the request log. */
export const IDA_SERVICE = 'ida'

export interface IdaOptions {
  /** Expected MISP licence key (`PARTNER_MISP_LK`). */
  mispLicenseKey: string
  /** Expected auth partner id (`PARTNER_ID`). */
  partnerId: string
  /** Expected API key (`PARTNER_APIKEY`). */
  apiKey: string
  /**
   * The ID repository's identities, shared with the simulated MOSIP so that IDA authenticates
   * the people it issued UINs to and stops when a UIN is deactivated. A store of IDA's own when
   * absent.
   */
  identityStore?: IdentityStore
  /** Identities added to the store at start (people MOSIP registered before). */
  identities?: IdaIdentityInput[]
  /** Which identity fields hold name, dob, gender, phone and email; MOSIP's defaults otherwise. */
  attributeMapping?: Partial<IdaAttributeMapping>
  /** IDA's encryption key; its certificate is the bridge's `ENCRYPT_CERT_PATH`. Generated when absent. */
  encryptionKey?: CertifiedKey
  /** The partner's signing key (in `SIGN_P12_FILE_PATH`); its certificate is on record here. Generated when absent. */
  partnerSigningKey?: CertifiedKey
  /** IDA's own key for the `response-signature` header. Generated when absent. */
  responseSigningKey?: CertifiedKey
  /** How old `requestTime` may be (IDA `authrequest.received-time-allowed.seconds`); default 120. */
  requestTimeWindowSeconds?: number
  /** How far in the future `requestTime` may be (clock skew); default 30. */
  futureSkewSeconds?: number
  /** Language codes IDA accepts; default `['eng']`. */
  supportedLanguages?: string[]
  /** When set, `domainUri` must be one of these. */
  allowedDomainUris?: string[]
  /** Accepted `env` values when sent; default MOSIP's Staging/Developer/Pre-Production/Production. */
  allowedEnvs?: string[]
  /** JWS algorithms accepted on the `Signature` header; default `['RS256']`. */
  signatureAlgorithms?: string[]
  /** Alias (friendly name) of the key in the generated PKCS#12; default `partner`. */
  keystoreAlias?: string
}

/** What the bridge needs to talk to this IDA. */
export interface BridgeIdaMaterial {
  /** PKCS#12 with the partner signing key and certificate (`SIGN_P12_FILE_PATH`). */
  signKeystore: Buffer
  /** IDA's encryption certificate (`ENCRYPT_CERT_PATH`). */
  idaCertificatePem: string
  /** The partner certificate IDA has on record (the one inside `signKeystore`). */
  partnerCertificatePem: string
  /** Certificate that verifies the `response-signature` header. */
  responseSigningCertificatePem: string
}

/** One authentication IDA answered, with the decrypted request when it could be decrypted. */
export interface IdaAttempt {
  at: number
  transactionID: string | null
  individualId?: string
  individualIdType?: string
  /** Decrypted `request.demographics`, as sent. */
  demographics?: unknown
  authStatus: boolean
  errors: IdaError[]
}

const DEFAULT_ENVS = ['Staging', 'Developer', 'Pre-Production', 'Production']
const VERSION_PATTERN = /^\d+(\.\d+)*$/

type JsonObject = Record<string, unknown>

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function header(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined || first.trim() === '' ? undefined : first
}

function requireString(object: JsonObject, key: string, path = key): string {
  const value = object[key]
  if (value === undefined || value === null || value === '')
    throw new IdaRejection(idaErrors.missingInput(path))
  if (typeof value !== 'string') throw new IdaRejection(idaErrors.invalidInput(path))
  return value
}

/**
 * The simulated MOSIP IDA demographic authentication: verifies the partner's detached JWS,
 * decrypts the request with IDA's key, checks the HMAC, the partner, the time window and the
 * request, and matches demographics against its identities. Always HTTP 200, as IDA.
 */
export class IdaSimulator {
  private readonly options: IdaOptions
  private readonly identities: IdentityStore
  private readonly mapping: IdaAttributeMapping
  private encryptionKeys: CertifiedKey[]
  private readonly partnerKey: CertifiedKey
  private readonly responseKey: CertifiedKey
  private readonly tokenSecret = randomBytes(32)
  private readonly forcedErrors: IdaError[] = []
  private brokenResponseSignatures = 0
  private windowSeconds: number
  private readonly log: IdaAttempt[] = []

  constructor(options: IdaOptions) {
    this.options = options
    this.encryptionKeys = [options.encryptionKey ?? createCertifiedKey('IDA-PARTNER-ENCRYPT')]
    this.partnerKey = options.partnerSigningKey ?? createCertifiedKey(options.partnerId)
    this.responseKey = options.responseSigningKey ?? createCertifiedKey('IDA-SIGN')
    this.windowSeconds = options.requestTimeWindowSeconds ?? 120
    this.identities = options.identityStore ?? new IdentityStore()
    this.mapping = { ...DEFAULT_IDA_ATTRIBUTE_MAPPING, ...options.attributeMapping }
    for (const identity of options.identities ?? []) this.addIdentity(identity)
  }

  /** The current encryption key (the one whose certificate the bridge should hold). */
  get encryptionKey(): CertifiedKey {
    return this.encryptionKeys[0] as CertifiedKey
  }

  get encryptionCertificatePem(): string {
    return this.encryptionKey.certificatePem
  }

  get partnerCertificatePem(): string {
    return this.partnerKey.certificatePem
  }

  get responseSigningCertificatePem(): string {
    return this.responseKey.certificatePem
  }

  /** Keystore and certificates for the bridge's `SIGN_P12_FILE_PATH` and `ENCRYPT_CERT_PATH`. */
  bridgeMaterial(password: string): BridgeIdaMaterial {
    return {
      signKeystore: toPkcs12(this.partnerKey, password, this.options.keystoreAlias ?? 'partner'),
      idaCertificatePem: this.encryptionCertificatePem,
      partnerCertificatePem: this.partnerCertificatePem,
      responseSigningCertificatePem: this.responseSigningCertificatePem
    }
  }

  /** Adds an identity to the ID repository's store (replacing one with the same UIN). */
  addIdentity(identity: IdaIdentityInput): void {
    this.identities.add(identitySeedOf(identity, this.mapping))
  }

  removeIdentity(uin: string): boolean {
    return this.identities.remove(uin)
  }

  /** Deactivates (or reactivates, or blocks) the identity a UIN or VID belongs to. */
  setIdentityStatus(uinOrVid: string, status: IdaIdentityStatus): boolean {
    return this.identities.setStatus(uinOrVid, status)
  }

  /** Authentications answered so far, oldest first. */
  attempts(): IdaAttempt[] {
    return [...this.log]
  }

  clearAttempts(): void {
    this.log.length = 0
  }

  // Faults -----------------------------------------------------------------------------------

  /** The next `times` well-formed requests are answered with this error (authStatus false), before any check. */
  failNext(error: IdaError, times = 1): void {
    for (let i = 0; i < times; i++) this.forcedErrors.push(error)
  }

  /** The next `times` responses carry a `response-signature` that does not verify. */
  breakNextResponseSignature(times = 1): void {
    this.brokenResponseSignatures += times
  }

  setRequestTimeWindow(seconds: number): void {
    this.windowSeconds = seconds
  }

  /**
   * IDA gets a new encryption key; requests encrypted to the old certificate are refused
   * (`IDA-MPA-003`) unless `keepPrevious`. Returns the new certificate PEM.
   */
  rotateEncryptionKey(keepPrevious = false): string {
    const next = createCertifiedKey('IDA-PARTNER-ENCRYPT')
    this.encryptionKeys = keepPrevious ? [next, ...this.encryptionKeys] : [next]
    return next.certificatePem
  }

  clearFaults(): void {
    this.forcedErrors.length = 0
    this.brokenResponseSignatures = 0
  }

  // Request handling --------------------------------------------------------------------------

  /** Fastify handler for {@link IDA_AUTH_ROUTE}. */
  async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const attempt: IdaAttempt = {
      at: Date.now(),
      transactionID: null,
      authStatus: false,
      errors: []
    }
    let version = IDA_AUTH_VERSION
    let authToken: string | null = null
    try {
      const body = this.parseBody(request.rawBody)
      if (typeof body.transactionID === 'string') attempt.transactionID = body.transactionID
      if (typeof body.version === 'string') version = body.version
      const forced = this.forcedErrors.shift()
      if (forced) throw new IdaRejection(forced)
      authToken = this.authenticate(request, body, attempt)
      attempt.authStatus = true
    } catch (error) {
      if (!(error instanceof IdaRejection)) throw error
      attempt.errors = error.errors
    }
    this.log.push(attempt)
    this.send(reply, {
      transactionID: attempt.transactionID,
      version,
      id: IDA_AUTH_ID,
      responseTime: new Date().toISOString(),
      response: { authStatus: attempt.authStatus, authToken },
      errors: attempt.errors.length > 0 ? attempt.errors : null
    })
  }

  /** Answers a request that failed before the handler (e.g. malformed JSON) the IDA way. */
  sendUnprocessable(reply: FastifyReply): void {
    const errors = [idaErrors.unableToProcess()]
    this.log.push({ at: Date.now(), transactionID: null, authStatus: false, errors })
    this.send(reply, {
      transactionID: null,
      version: IDA_AUTH_VERSION,
      id: IDA_AUTH_ID,
      responseTime: new Date().toISOString(),
      response: { authStatus: false, authToken: null },
      errors
    })
  }

  private send(reply: FastifyReply, body: IdaAuthResponse): void {
    const text = JSON.stringify(body)
    const payload = Buffer.from(text, 'utf8')
    let signer: { privateKey: CertifiedKey['privateKey']; certificateDer: Buffer } =
      this.responseKey
    if (this.brokenResponseSignatures > 0) {
      this.brokenResponseSignatures--
      const { privateKey } = newRsaKeyPair()
      signer = { privateKey, certificateDer: this.responseKey.certificateDer }
    }
    void reply
      .status(200)
      .header('content-type', 'application/json')
      .header(IDA_RESPONSE_SIGNATURE_HEADER, signDetachedJws(payload, signer))
      .send(text)
  }

  private parseBody(raw: string | undefined): JsonObject {
    if (raw === undefined || raw.trim() === '') throw new IdaRejection(idaErrors.unableToProcess())
    let body: unknown
    try {
      body = JSON.parse(raw)
    } catch {
      throw new IdaRejection(idaErrors.unableToProcess())
    }
    if (!isObject(body)) throw new IdaRejection(idaErrors.unableToProcess())
    return body
  }

  /** Runs IDA's filter and validator chain; returns the auth token or throws a rejection. */
  private authenticate(request: FastifyRequest, body: JsonObject, attempt: IdaAttempt): string {
    // 1. The partner's signature over the exact body bytes.
    const signature = header(request.headers.signature)
    if (signature === undefined) throw new IdaRejection(idaErrors.missingInput('signature header'))
    const check = verifyDetachedJws(
      signature,
      Buffer.from(request.rawBody ?? '', 'utf8'),
      this.options.signatureAlgorithms ?? ['RS256']
    )
    if (!check.ok)
      throw new IdaRejection(
        check.reason === 'no-certificate'
          ? idaErrors.partnerCertificateNotInHeader()
          : idaErrors.signatureFailed('signature header')
      )
    if (header(request.headers.authorization) === undefined)
      throw new IdaRejection(idaErrors.missingInput('Authorization - header'))

    // 2. Decipher `request` with IDA's key (chosen by thumbprint) and check `requestHMAC`.
    const { data } = this.decipher(body)
    attempt.individualId = typeof body.individualId === 'string' ? body.individualId : undefined
    attempt.individualIdType =
      typeof body.individualIdType === 'string' ? body.individualIdType : undefined
    attempt.demographics = data.demographics

    // 3. Partner, API key, certificate on record, MISP licence key.
    const params = request.params as { mispLK: string; partnerId: string; apiKey: string }
    if (params.partnerId !== this.options.partnerId || params.apiKey !== this.options.apiKey)
      throw new IdaRejection(idaErrors.partnerNotRegistered())
    if (!check.certificate.raw.equals(this.partnerKey.certificateDer))
      throw new IdaRejection(idaErrors.partnerCertificateNotMatched())
    if (params.mispLK !== this.options.mispLicenseKey)
      throw new IdaRejection(idaErrors.invalidLicenseKey())

    // 4. The request validator.
    const idType = this.validateRequest(body)
    const timestamp = requireString(data, 'timestamp', 'request/timestamp')
    this.checkTime(timestamp, 'request/timestamp')
    const requested = readDemographics(data.demographics, this.supportedLanguages)
    if (!hasDemographics(requested)) throw new IdaRejection(idaErrors.noAuthTypeSelected())

    // 5. Identity and demographic match.
    const individualId = body.individualId as string
    const identity = this.identities.resolve(individualId, idType)
    if (!identity)
      throw new IdaRejection(idType === 'UIN' ? idaErrors.invalidUin() : idaErrors.invalidVid())
    // The ID repository's status reaches IDA as events: BLOCKED removes the identity from IDA's
    // cache (REMOVE_ID), any other inactive status expires it (DEACTIVATE_ID), before any match.
    if (identity.status === MOSIP_IDENTITY_STATUS.blocked)
      throw new IdaRejection(idaErrors.idNotAvailable(idType))
    if (identity.status !== MOSIP_IDENTITY_STATUS.activated)
      throw new IdaRejection(
        idType === 'UIN' ? idaErrors.uinDeactivatedBlocked() : idaErrors.vidExpiredDeactivated()
      )
    const mismatches = matchDemographics(idaView(identity, this.mapping), requested)
    if (mismatches.length > 0) throw new IdaRejection(mismatches)
    return this.partnerSpecificToken(identity.uin)
  }

  private get supportedLanguages(): string[] {
    return this.options.supportedLanguages ?? ['eng']
  }

  private decipher(body: JsonObject): { plaintext: Buffer; data: JsonObject } {
    const encryptedRequest = requireString(body, 'request')
    const encryptedKey = requireString(body, 'requestSessionKey')
    const encryptedHmac = requireString(body, 'requestHMAC')
    const thumbprint = decodeBase64Lenient(requireString(body, 'thumbprint'))
    const key = this.encryptionKeys.find(
      (candidate) => thumbprint !== undefined && candidate.thumbprint.equals(thumbprint)
    )
    if (!key) throw new IdaRejection(idaErrors.unableToDecrypt())
    const requestBytes = decodeBase64Lenient(encryptedRequest)
    const keyBytes = decodeBase64Lenient(encryptedKey)
    const hmacBytes = decodeBase64Lenient(encryptedHmac)
    if (!requestBytes || !keyBytes || !hmacBytes)
      throw new IdaRejection(idaErrors.unableToDecrypt())
    let sessionKey: Buffer
    let plaintext: Buffer
    let hmac: Buffer
    try {
      sessionKey = decryptSessionKey(key.privateKey, keyBytes)
      plaintext = decryptIdaSymmetric(sessionKey, requestBytes)
      hmac = decryptIdaSymmetric(sessionKey, hmacBytes)
    } catch {
      throw new IdaRejection(idaErrors.unableToDecrypt())
    }
    let data: unknown
    try {
      data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext))
    } catch {
      throw new IdaRejection(idaErrors.unableToProcess())
    }
    if (!isObject(data)) throw new IdaRejection(idaErrors.unableToProcess())
    // HMAC plaintext: upper-case hex SHA-256 of the exact JSON that was encrypted.
    const expected = createHash('sha256').update(plaintext).digest('hex').toUpperCase()
    if (hmac.toString('utf8') !== expected) throw new IdaRejection(idaErrors.hmacValidationFailed())
    return { plaintext, data }
  }

  private validateRequest(body: JsonObject): 'UIN' | 'VID' {
    if (requireString(body, 'id') !== IDA_AUTH_ID)
      throw new IdaRejection(idaErrors.invalidInput('id'))
    if (!VERSION_PATTERN.test(requireString(body, 'version')))
      throw new IdaRejection(idaErrors.invalidInput('version'))
    requireString(body, 'individualId')
    const idType = requireString(body, 'individualIdType')
    if (idType !== 'UIN' && idType !== 'VID')
      throw new IdaRejection(idaErrors.invalidInput('individualIdType'))
    if (!IDA_TRANSACTION_ID_PATTERN.test(requireString(body, 'transactionID')))
      throw new IdaRejection(idaErrors.invalidInput('transactionID'))
    this.checkTime(requireString(body, 'requestTime'), 'requestTime')
    if (body.consentObtained !== true) throw new IdaRejection(idaErrors.consentNotAvailable())
    const requestedAuth = body.requestedAuth
    if (requestedAuth === undefined || requestedAuth === null)
      throw new IdaRejection(idaErrors.missingInput('requestedAuth'))
    if (!isObject(requestedAuth)) throw new IdaRejection(idaErrors.invalidInput('requestedAuth'))
    // The CRVS partner's policy allows demographic authentication only.
    if (requestedAuth.otp === true) throw new IdaRejection(idaErrors.authTypeNotAllowed('OTP'))
    if (requestedAuth.pin === true) throw new IdaRejection(idaErrors.authTypeNotAllowed('SPIN'))
    if (requestedAuth.bio === true) throw new IdaRejection(idaErrors.authTypeNotAllowed('BIO'))
    const allowedDomains = this.options.allowedDomainUris
    if (allowedDomains !== undefined && !allowedDomains.includes(String(body.domainUri ?? '')))
      throw new IdaRejection(idaErrors.invalidInput('domainUri'))
    if (
      body.env !== undefined &&
      !(this.options.allowedEnvs ?? DEFAULT_ENVS).includes(String(body.env))
    )
      throw new IdaRejection(idaErrors.invalidInput('env'))
    return idType
  }

  private checkTime(value: string, field: string): void {
    const at = Date.parse(value)
    if (!IDA_DATE_TIME_PATTERN.test(value) || Number.isNaN(at))
      throw new IdaRejection(idaErrors.invalidInput(field))
    const now = Date.now()
    const skew = (this.options.futureSkewSeconds ?? 30) * 1000
    if (now - at > this.windowSeconds * 1000 || at - now > skew)
      throw new IdaRejection(idaErrors.invalidTimestamp(this.windowSeconds))
  }

  /** IDA's `authToken`: a partner-specific token, stable for one identity and partner. */
  private partnerSpecificToken(uin: string): string {
    return createHmac('sha256', this.tokenSecret)
      .update(`${uin}:${this.options.partnerId}`)
      .digest('base64url')
  }
}

/**
 * Adds IDA's demographic authentication route to the simulated MOSIP server. Call before the
 * server listens.
 */
export function registerIda(sim: SimServer, options: IdaOptions): IdaSimulator {
  const ida = new IdaSimulator(options)
  sim.app.post(
    IDA_AUTH_ROUTE,
    {
      config: { service: IDA_SERVICE },
      // A body that does not parse never reaches the handler; IDA still answers 200.
      errorHandler: (_error, _request, reply) => ida.sendUnprocessable(reply)
    },
    (request, reply) => ida.handle(request, reply)
  )
  return ida
}
