/**
 * MOSIP credential-service issuing a `vercred` credential to the CRVS partner:
 *
 * - the verifiable credential: `credentialSubject.id` = `<id url><registration id>`,
 *   `vcVer: VC-V1` and the attributes the partner policy shares (UIN, VID, birthCertificateNumber,
 *   name, date of birth, gender; a death credential has only `id` and `vcVer`), values as-is;
 * - its proof: `RsaSignature2018` with a detached JWS, header `{"b64":false,"crit":["b64"],
 *   "alg":"PS256"}`, over `SHA-256(canon(proof options)) || SHA-256(canon(credential without
 *   proof))` as the LD-signature suites build it. MOSIP canonicalizes with URDNA2015 (RDF); the
 *   simulator uses JCS (RFC 8785), so a verifier must canonicalize the same way to check it. The
 *   key is published at `verificationMethod` (`GET /.well-known/public-key.json`);
 * - the keymanager hybrid encryption to the partner certificate: `VER_R2`, the real SHA-256
 *   thumbprint of the certificate, RSA-OAEP-SHA256 of the AES key (2048- or 4096-bit partner key),
 *   `#KEY_SPLITTER#`, 32-byte AAD whose first 12 bytes are the GCM nonce, AES-256-GCM, unpadded
 *   base64url;
 * - the `CREDENTIAL_ISSUED` event on topic `<partnerId>/CREDENTIAL_ISSUED`, with
 *   `data.proof.signature`: a detached RS256 JWS (header with `x5c` and `x5t#S256`) over the
 *   base64url plaintext credential.
 *
 * Partner policy `shareBy`: `inline` puts the encrypted credential in `event.data.credential`;
 * `datashare` (a policy whose `dataSharePolicies.typeOfShare` is data share) keeps it in the
 * simulated datashare service, on this server, and the event carries `event.dataShareUri`
 * (`<url>/v1/datashare/get/<policy>/<partner>/<key>`) and no `credential`. A GET there returns
 * the same encrypted text; like MOSIP's datashare it allows a share only `transactionsAllowed`
 * reads, and answers an unknown or used-up share with HTTP 200 and `errors[]` `DAT-SER-006`.
 *
 * Faults: tamper the next ciphertext, encrypt the next to a wrong certificate, sign the next with
 * a wrong key, share the next from another origin.
 */
import { randomBytes, randomInt, randomUUID, type KeyObject } from 'node:crypto'
import { newRsaKeyPair } from '../../shared/rsa-key-pair.js'
import {
  MOSIP_VC_SIGN_ALGORITHM,
  MOSIP_VC_VERSION,
  credentialIssuedTopic,
  type CredentialIssuedEvent,
  type MosipPublicKeyDocument,
  type MosipVerifiableCredential
} from '@mosip-bridge/contracts'
import { createCertifiedKey, toPkcs12, type CertifiedKey } from '../../shared/pki.js'
import type { SimServer } from '../../shared/sim-server.js'
import {
  base64url,
  canonicalJson,
  encryptForPartner,
  sha256,
  signDetachedRs256,
  signDetachedUnencoded,
  tamperHybridCiphertext
} from './crypto.js'

export const KEYMANAGER_SERVICE = 'keymanager'
export const DATASHARE_SERVICE = 'datashare'
/** MOSIP datashare's path of a share: `<prefix>/<policyId>/<subscriberId>/<key>`. */
export const DATASHARE_GET_PATH = '/v1/datashare/get'

/** How credential-service hands the credential over (the partner policy's type of share). */
export type CredentialShareMode = 'inline' | 'datashare'
export const CREDENTIAL_SHARE_MODES: readonly CredentialShareMode[] = ['inline', 'datashare']

/** Attributes the CRVS partner policy shares by default (`UIN` and `VID` come from the ID repo). */
export const DEFAULT_SHARED_ATTRIBUTES: readonly string[] = [
  'fullName',
  'dateOfBirth',
  'gender',
  'birthCertificateNumber',
  'UIN',
  'VID'
]

export interface CredentialIssuerOptions {
  /** The CRVS partner the credential is issued to. Default `crvs_partner`. */
  partnerId?: string
  /** Size of the generated partner key. Default 2048. */
  partnerKeyBits?: 2048 | 4096
  /** Use this partner key instead of generating one. */
  partnerKey?: CertifiedKey
  /** Base of `issuer`, `verificationMethod` and the context URL. Default: the simulator's URL. */
  issuerBaseUrl?: string
  /** `vercred.id.url`: prefix of `id` and `credentialSubject.id`. Default `<issuer>/credentials/`. */
  credentialIdUrl?: string
  /** Partner policy: attributes copied into `credentialSubject`. */
  sharedAttributes?: readonly string[]
  /** Partner profile `metaInfoFields`: `metaData` labels of the packet copied into `event.data`. */
  metaInfoFields?: readonly string[]
  /** Default `RPR_UIN_CARD_TEMPLATE`. */
  templateTypeCode?: string
  /** Default `vercred`. */
  credentialType?: string
  /** Processes whose credential carries only `id` and `vcVer`. Default `['CRVS_DEATH']`. */
  subjectOnlyProcesses?: readonly string[]
  /** Partner policy: credential inline (default) or by data share. */
  shareBy?: CredentialShareMode
  /** Reads a data share allows (`transactionsAllowed` of the policy). Default 2. */
  dataShareReads?: number
  /** The partner policy's id, in the data share URL. Default `mpolicy-default-crvs`. */
  policyId?: string
}

/** One credential held by the simulated datashare. */
export interface DataShareEntry {
  content: string
  readsLeft: number
  /** Every read, successful or not, oldest first. */
  reads: Array<{ at: number; served: boolean }>
}

/** What the pipeline hands to credential-service. */
export interface CredentialRequest {
  registrationId: string
  /** Credential request id, `event.transactionId`. */
  requestId: string
  process: string
  fields: Record<string, string>
  metaInfo: Record<string, string>
  uin?: string
  vid?: string
}

export interface IssuedCredential {
  registrationId: string
  topic: string
  event: CredentialIssuedEvent
  /** The plaintext credential (before encryption). */
  credential: MosipVerifiableCredential
  /** Faults applied to this one: `tampered`, `wrong-certificate`, `wrong-signing-key`, `foreign-datashare`. */
  faults: string[]
  /** Set when the credential was shared by reference. */
  dataShareUri?: string
  at: number
}

function metaDataLabels(metaInfo: Record<string, string>): Map<string, string> {
  const labels = new Map<string, string>()
  try {
    const parsed = JSON.parse(metaInfo.metaData ?? '[]') as unknown
    if (Array.isArray(parsed)) {
      for (const entry of parsed) {
        const { label, value } = (entry ?? {}) as { label?: unknown; value?: unknown }
        if (typeof label === 'string' && typeof value === 'string') labels.set(label, value)
      }
    }
  } catch {
    // metaData that is not JSON carries no labels.
  }
  return labels
}

export class CredentialIssuer {
  readonly partnerId: string
  /** Every credential issued, oldest first. */
  readonly issued: IssuedCredential[] = []
  private partnerKey: CertifiedKey
  private readonly signingKey: CertifiedKey
  private readonly issuerBaseUrl: string | undefined
  private readonly credentialIdUrl: string | undefined
  private readonly sharedAttributes: readonly string[]
  private readonly metaInfoFields: readonly string[]
  private readonly templateTypeCode: string
  private readonly credentialType: string
  private readonly subjectOnlyProcesses: readonly string[]
  /** The simulated datashare: share key → entry. */
  readonly dataShares = new Map<string, DataShareEntry>()
  private shareBy: CredentialShareMode
  private dataShareReads: number
  private readonly policyId: string
  private foreignShares: Array<{ baseUrl: string }> = []
  private tamperPending = 0
  private wrongCertificatePending = 0
  private wrongKeyPending = 0
  private wrongCertificate: CertifiedKey | undefined
  private wrongSigningKey: KeyObject | undefined

  constructor(
    private readonly sim: SimServer,
    options: CredentialIssuerOptions = {}
  ) {
    this.partnerId = options.partnerId ?? 'crvs_partner'
    this.partnerKey =
      options.partnerKey ?? createCertifiedKey(this.partnerId, options.partnerKeyBits ?? 2048)
    this.signingKey = createCertifiedKey('credential-service', 2048)
    this.issuerBaseUrl = options.issuerBaseUrl
    this.credentialIdUrl = options.credentialIdUrl
    this.sharedAttributes = options.sharedAttributes ?? DEFAULT_SHARED_ATTRIBUTES
    this.metaInfoFields = options.metaInfoFields ?? []
    this.templateTypeCode = options.templateTypeCode ?? 'RPR_UIN_CARD_TEMPLATE'
    this.credentialType = options.credentialType ?? 'vercred'
    this.subjectOnlyProcesses = options.subjectOnlyProcesses ?? ['CRVS_DEATH']
    this.shareBy = options.shareBy ?? 'inline'
    this.dataShareReads = options.dataShareReads ?? 2
    this.policyId = options.policyId ?? 'mpolicy-default-crvs'
    this.registerRoutes()
  }

  /** The partner policy's type of share from now on. */
  setShareBy(mode: CredentialShareMode, reads?: number): void {
    this.shareBy = mode
    if (reads !== undefined) this.dataShareReads = reads
  }

  /** How credentials are shared, and how many reads a data share allows. */
  sharePolicy(): { shareBy: CredentialShareMode; dataShareReads: number } {
    return { shareBy: this.shareBy, dataShareReads: this.dataShareReads }
  }

  /**
   * The next `count` credentials shared by reference name a data share on `baseUrl` (another
   * origin than MOSIP's, e.g. a forged event), though the share itself is held here.
   */
  shareNextFrom(baseUrl: string, count = 1): void {
    for (let i = 0; i < count; i++) this.foreignShares.push({ baseUrl: baseUrl.replace(/\/$/, '') })
  }

  /** `<partnerId>/CREDENTIAL_ISSUED`. */
  get topic(): string {
    return credentialIssuedTopic(this.partnerId)
  }

  /** PEM of the partner certificate MOSIP encrypts to. */
  get partnerCertificatePem(): string {
    return this.partnerKey.certificatePem
  }

  /** The partner key pair and certificate (what the bridge decrypts with). */
  get partnerCertifiedKey(): CertifiedKey {
    return this.partnerKey
  }

  /** The partner key and certificate as a PKCS#12 keystore (`DECRYPT_P12_FILE_PATH`). */
  partnerKeystore(password: string, alias = this.partnerId): Buffer {
    return toPkcs12(this.partnerKey, password, alias)
  }

  /** A new partner key (the partner re-uploaded its certificate); later credentials use it. */
  regeneratePartnerKey(bits: 2048 | 4096 = 2048): CertifiedKey {
    this.partnerKey = createCertifiedKey(this.partnerId, bits)
    return this.partnerKey
  }

  /** The next `count` credentials get one ciphertext bit flipped (GCM authentication fails). */
  tamperNextCiphertext(count = 1): void {
    this.tamperPending += count
  }

  /** The next `count` credentials are encrypted to another certificate (thumbprint and key). */
  encryptNextToWrongCertificate(count = 1): void {
    this.wrongCertificatePending += count
  }

  /** The next `count` credentials are signed (proof and `data.proof`) with an unpublished key. */
  signNextWithWrongKey(count = 1): void {
    this.wrongKeyPending += count
  }

  private get baseUrl(): string {
    return this.issuerBaseUrl ?? this.sim.url
  }

  /** `…/.well-known/public-key.json`: the proof's `verificationMethod`. */
  get verificationMethod(): string {
    return `${this.baseUrl}/.well-known/public-key.json`
  }

  /** The document served at `verificationMethod`. */
  publicKeyDocument(): MosipPublicKeyDocument {
    return {
      '@context': 'https://w3id.org/security/v2',
      type: 'RsaVerificationKey2018',
      id: this.verificationMethod,
      controller: `${this.baseUrl}/.well-known/controller.json`,
      publicKeyPem: this.signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    }
  }

  /** Builds, signs and encrypts the credential and wraps it in the CREDENTIAL_ISSUED event. */
  issue(request: CredentialRequest): IssuedCredential {
    const faults: string[] = []
    const wrongKey = this.take('wrongKey')
    if (wrongKey) faults.push('wrong-signing-key')
    const signingKey = wrongKey ? this.wrongKey() : this.signingKey.privateKey
    const credential = this.buildCredential(request, signingKey)
    const plaintext = Buffer.from(JSON.stringify(credential), 'utf8')

    const wrongCertificate = this.take('wrongCertificate')
    if (wrongCertificate) faults.push('wrong-certificate')
    const recipient = wrongCertificate ? this.wrongPartnerCertificate() : this.partnerKey
    let encrypted = encryptForPartner(plaintext, recipient)
    if (this.take('tamper')) {
      faults.push('tampered')
      encrypted = tamperHybridCiphertext(encrypted)
    }

    const signature = signDetachedRs256(
      {
        alg: 'RS256',
        x5c: [this.signingKey.certificateDer.toString('base64')],
        'x5t#S256': base64url(this.signingKey.thumbprint)
      },
      Buffer.from(base64url(plaintext), 'ascii'),
      signingKey
    )
    let dataShareUri: string | undefined
    if (this.shareBy === 'datashare') {
      // MOSIP's share keys are random alphanumerics; base64url without '-' and '_' is one.
      const key = randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')
      this.dataShares.set(key, { content: encrypted, readsLeft: this.dataShareReads, reads: [] })
      const foreign = this.foreignShares.shift()
      if (foreign) faults.push('foreign-datashare')
      const base = foreign?.baseUrl ?? this.sim.url
      dataShareUri = `${base}${DATASHARE_GET_PATH}/${this.policyId}/${this.partnerId}/${key}`
    }
    const labels = metaDataLabels(request.metaInfo)
    const additional: Record<string, string> = {}
    for (const label of this.metaInfoFields) {
      const value = labels.get(label)
      if (value !== undefined) additional[label] = value
    }
    const now = new Date().toISOString()
    const event = {
      publisher: 'CREDENTIAL_SERVICE',
      topic: this.topic,
      publishedOn: now,
      event: {
        id: randomUUID(),
        transactionId: request.requestId,
        type: { namespace: 'mosip', name: 'mosip' },
        timestamp: now,
        dataShareUri: dataShareUri ?? null,
        data: {
          ...additional,
          templateTypeCode: this.templateTypeCode,
          registrationId: request.registrationId,
          ...(dataShareUri === undefined ? { credential: encrypted } : {}),
          proof: { signature },
          credentialType: this.credentialType,
          protectionKey: String(randomInt(100000, 1000000))
        }
      }
    } satisfies CredentialIssuedEvent
    const issued: IssuedCredential = {
      registrationId: request.registrationId,
      topic: this.topic,
      event,
      credential,
      faults,
      at: Date.now(),
      ...(dataShareUri !== undefined ? { dataShareUri } : {})
    }
    this.issued.push(issued)
    return issued
  }

  /** Consumes one pending fault of this kind, if any. */
  private take(fault: 'tamper' | 'wrongCertificate' | 'wrongKey'): boolean {
    const pending = {
      tamper: this.tamperPending,
      wrongCertificate: this.wrongCertificatePending,
      wrongKey: this.wrongKeyPending
    }[fault]
    if (pending <= 0) return false
    if (fault === 'tamper') this.tamperPending--
    else if (fault === 'wrongCertificate') this.wrongCertificatePending--
    else this.wrongKeyPending--
    return true
  }

  private wrongKey(): KeyObject {
    this.wrongSigningKey ??= newRsaKeyPair().privateKey
    return this.wrongSigningKey
  }

  private wrongPartnerCertificate(): CertifiedKey {
    this.wrongCertificate ??= createCertifiedKey(
      `${this.partnerId}-old`,
      this.partnerKey.publicKey.asymmetricKeyDetails?.modulusLength === 4096 ? 4096 : 2048
    )
    return this.wrongCertificate
  }

  private subject(
    request: CredentialRequest,
    idUrl: string
  ): { id: string; vcVer: string; [attribute: string]: unknown } {
    const attributes: Record<string, unknown> = {}
    if (!this.subjectOnlyProcesses.includes(request.process)) {
      for (const attribute of this.sharedAttributes) {
        const value =
          attribute === 'UIN'
            ? request.uin
            : attribute === 'VID'
              ? request.vid
              : request.fields[attribute]
        if (value !== undefined) attributes[attribute] = value
      }
    }
    return { ...attributes, id: `${idUrl}${request.registrationId}`, vcVer: MOSIP_VC_VERSION }
  }

  private buildCredential(
    request: CredentialRequest,
    signingKey: KeyObject
  ): MosipVerifiableCredential {
    const base = this.baseUrl
    const idUrl = this.credentialIdUrl ?? `${base}/credentials/`
    const unsigned = {
      issuanceDate: new Date().toISOString(),
      credentialSubject: this.subject(request, idUrl),
      id: `${idUrl}${randomUUID()}`,
      type: ['VerifiableCredential', 'MOSIPVerifiableCredential'],
      '@context': [
        'https://www.w3.org/2018/credentials/v1',
        `${base}/.well-known/mosip-context.json`,
        { sec: 'https://w3id.org/security#' }
      ],
      issuer: `${base}/.well-known/controller.json`
    }
    const proofOptions = {
      '@context': unsigned['@context'],
      type: 'RsaSignature2018',
      created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      proofPurpose: 'assertionMethod',
      verificationMethod: this.verificationMethod
    }
    const verifyData = Buffer.concat([
      sha256(canonicalJson(proofOptions)),
      sha256(canonicalJson(unsigned))
    ])
    const jws = signDetachedUnencoded(
      { b64: false, crit: ['b64'], alg: MOSIP_VC_SIGN_ALGORITHM },
      verifyData,
      signingKey
    )
    const { '@context': _context, ...proof } = proofOptions
    return { ...unsigned, proof: { ...proof, jws } }
  }

  /** MOSIP datashare's answer to a share it cannot serve (HTTP 200, as MOSIP reports errors). */
  private static dataShareError(message: string) {
    return {
      id: 'mosip.data.share',
      version: '1.0',
      responsetime: new Date().toISOString(),
      dataShare: null,
      errors: [{ errorCode: 'DAT-SER-006', message }]
    }
  }

  private registerRoutes(): void {
    this.sim.app.get(
      `${DATASHARE_GET_PATH}/:policyId/:subscriberId/:key`,
      { config: { service: DATASHARE_SERVICE } },
      async (request, reply) => {
        const { policyId, subscriberId, key } = request.params as {
          policyId: string
          subscriberId: string
          key: string
        }
        const entry = this.dataShares.get(key)
        if (!entry || policyId !== this.policyId || subscriberId !== this.partnerId) {
          return reply.send(CredentialIssuer.dataShareError('Data share not found'))
        }
        if (entry.readsLeft < 1) {
          entry.reads.push({ at: Date.now(), served: false })
          return reply.send(CredentialIssuer.dataShareError('Data share usuage expired'))
        }
        entry.readsLeft--
        entry.reads.push({ at: Date.now(), served: true })
        return reply.type('application/octet-stream').send(Buffer.from(entry.content, 'ascii'))
      }
    )
    const config = { config: { service: KEYMANAGER_SERVICE } }
    this.sim.app.get('/.well-known/public-key.json', config, async () => this.publicKeyDocument())
    this.sim.app.get('/.well-known/controller.json', config, async () => ({
      '@context': 'https://w3id.org/security/v2',
      id: `${this.baseUrl}/.well-known/controller.json`,
      assertionMethod: [this.verificationMethod]
    }))
    this.sim.app.get('/.well-known/mosip-context.json', config, async () => ({
      '@context': {
        '@version': 1.1,
        '@protected': true,
        MOSIPVerifiableCredential: `${this.baseUrl}/.well-known/mosip-context.json#MOSIPVerifiableCredential`,
        UIN: 'https://w3id.org/mosip#UIN',
        VID: 'https://w3id.org/mosip#VID',
        vcVer: 'https://w3id.org/mosip#vcVer',
        fullName: 'https://w3id.org/mosip#fullName',
        dateOfBirth: 'https://w3id.org/mosip#dateOfBirth',
        gender: 'https://w3id.org/mosip#gender',
        birthCertificateNumber: 'https://w3id.org/mosip#birthCertificateNumber'
      }
    }))
  }
}
