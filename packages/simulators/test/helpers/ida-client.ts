/**
 * A minimal IDA client, written from IDA's wire format (request encryption, HMAC and signature),
 * so that the simulated IDA is checked against the format and not against its own code.
 */
import assert from 'node:assert/strict'
import {
  constants,
  createCipheriv,
  createHash,
  createPrivateKey,
  publicEncrypt,
  randomBytes,
  randomInt,
  sign,
  X509Certificate,
  type KeyObject
} from 'node:crypto'
import forge from 'node-forge'
import { idaAuthResponseSchema, type IdaAuthResponse } from '@mosip-bridge/contracts'

// ---------------------------------------------------------------------------------------------

export interface PartnerKeys {
  signKey: KeyObject
  signCertPem: string
  idaCertPem: string
}

export function readKeystore(p12: Buffer, password: string): { key: KeyObject; certPem: string } {
  const store = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12.toString('binary')), password)
  const keyOid = forge.pki.oids.pkcs8ShroudedKeyBag as string
  const certOid = forge.pki.oids.certBag as string
  const keyBag = store.getBags({ bagType: keyOid })[keyOid]?.[0]
  const certBag = store.getBags({ bagType: certOid })[certOid]?.[0]
  assert.ok(keyBag?.key && certBag?.cert, 'keystore holds a key and a certificate')
  return {
    key: createPrivateKey(forge.pki.privateKeyToPem(keyBag.key)),
    certPem: forge.pki.certificateToPem(certBag.cert)
  }
}

/** AES-256-GCM laid out as IDA expects: ciphertext || tag(16) || iv(16). */
function idaEncrypt(key: Buffer, plaintext: Buffer | string): Buffer {
  const iv = randomBytes(16)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([ciphertext, cipher.getAuthTag(), iv])
}

export const padded = (bytes: Buffer) =>
  bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')

export interface AuthInput {
  individualId: string
  individualIdType?: 'UIN' | 'VID'
  demographics: Record<string, unknown>
  requestTime?: Date
  /** Replaces the HMAC plaintext (upper-case hex SHA-256 of the request JSON). */
  hmacPlaintext?: (authData: string) => string
  idaCertPem?: string
}

export function buildBody(keys: PartnerKeys, input: AuthInput): Record<string, unknown> {
  const now = input.requestTime ?? new Date()
  const authData = JSON.stringify({
    biometrics: [],
    demographics: input.demographics,
    otp: '',
    timestamp: now.toISOString()
  })
  const idaCert = new X509Certificate(input.idaCertPem ?? keys.idaCertPem)
  const sessionKey = randomBytes(32)
  const hash = createHash('sha256').update(authData).digest('hex').toUpperCase()
  return {
    id: 'mosip.identity.auth',
    version: '1.0',
    individualId: input.individualId,
    individualIdType: input.individualIdType ?? 'UIN',
    transactionID: String(randomInt(1e9, 1e10)),
    requestTime: now.toISOString(),
    specVersion: '1.0',
    thumbprint: padded(createHash('sha256').update(idaCert.raw).digest()),
    domainUri: 'http://localhost:20240',
    env: 'Staging',
    requestedAuth: { demo: false, pin: false, otp: false, bio: false },
    consentObtained: true,
    request: padded(idaEncrypt(sessionKey, authData)),
    requestSessionKey: publicEncrypt(
      { key: idaCert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      sessionKey
    ).toString('base64url'),
    requestHMAC: padded(idaEncrypt(sessionKey, input.hmacPlaintext?.(authData) ?? hash))
  }
}

/**
 * Detached JWS over the exact body: protected header {alg: RS256, x5c}, payload omitted.
 * `pem` puts base64url of the PEM text in x5c (as the OpenCRVS SDK does), `der` base64 DER.
 */
export function detachedJws(
  body: string,
  key: KeyObject,
  certPem: string,
  x5c: 'pem' | 'der'
): string {
  const cert =
    x5c === 'pem'
      ? Buffer.from(certPem, 'utf8').toString('base64url')
      : new X509Certificate(certPem).raw.toString('base64')
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', x5c: [cert] })).toString('base64url')
  const input = `${header}.${Buffer.from(body, 'utf8').toString('base64url')}`
  return `${header}..${sign('sha256', Buffer.from(input), key).toString('base64url')}`
}

/** The partner keys of `IdaSimulator.bridgeMaterial`, as the bridge reads them. */
export function partnerKeysOf(
  material: {
    signKeystore: Buffer
    idaCertificatePem: string
  },
  password: string
): PartnerKeys {
  const keystore = readKeystore(material.signKeystore, password)
  return {
    signKey: keystore.key,
    signCertPem: keystore.certPem,
    idaCertPem: material.idaCertificatePem
  }
}

/** Sends one signed demographic authentication to `<authUrl>/<mispLK>/<partnerId>/<apiKey>`. */
export async function authenticate(
  url: string,
  keys: PartnerKeys,
  input: AuthInput
): Promise<IdaAuthResponse> {
  const body = JSON.stringify(buildBody(keys, input))
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: 'Authorization',
      signature: detachedJws(body, keys.signKey, keys.signCertPem, 'pem')
    },
    body
  })
  assert.equal(response.status, 200, 'IDA answers HTTP 200')
  return idaAuthResponseSchema.parse(await response.json())
}

/** The error codes of an answer. */
export function errorCodes(answer: IdaAuthResponse): string[] {
  return (answer.errors ?? []).map((error) => error.errorCode)
}
