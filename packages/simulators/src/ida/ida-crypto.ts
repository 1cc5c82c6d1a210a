import {
  constants,
  createDecipheriv,
  privateDecrypt,
  sign,
  verify,
  X509Certificate,
  type KeyObject
} from 'node:crypto'

/** AES-GCM layout of keymanager's `symmetricEncrypt` without an explicit IV (used by IDA). */
const IDA_GCM_TAG_BYTES = 16
/** The IV is one AES block (16 bytes), appended after the tag. */
const IDA_GCM_IV_BYTES = 16

const BASE64_ANY_ALPHABET = /^[A-Za-z0-9+/_-]*={0,2}$/

/**
 * Decodes base64 or base64url, with or without padding, as IDA's decoder does. Returns
 * undefined for text that is not base64 at all.
 */
export function decodeBase64Lenient(text: unknown): Buffer | undefined {
  if (typeof text !== 'string' || !BASE64_ANY_ALPHABET.test(text)) return undefined
  const unpadded = text.replace(/=+$/, '')
  if (unpadded.length % 4 === 1) return undefined
  return Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

/** RSA/ECB/OAEPWithSHA-256AndMGF1Padding (SHA-256 for the digest and MGF1, empty label). */
export function decryptSessionKey(privateKey: KeyObject, encrypted: Buffer): Buffer {
  return privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    encrypted
  )
}

/** AES-256-GCM over `ciphertext || tag(16) || iv(16)`, no AAD. Throws when the tag fails. */
export function decryptIdaSymmetric(key: Buffer, data: Buffer): Buffer {
  if (key.length !== 32) throw new Error('the session key is not an AES-256 key')
  if (data.length < IDA_GCM_TAG_BYTES + IDA_GCM_IV_BYTES)
    throw new Error('encrypted block shorter than tag and IV')
  const ivStart = data.length - IDA_GCM_IV_BYTES
  const tagStart = ivStart - IDA_GCM_TAG_BYTES
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(ivStart), {
    authTagLength: IDA_GCM_TAG_BYTES
  })
  decipher.setAuthTag(data.subarray(tagStart, ivStart))
  return Buffer.concat([decipher.update(data.subarray(0, tagStart)), decipher.final()])
}

type DetachedJwsCheck =
  | { ok: true; certificate: X509Certificate; header: Record<string, unknown> }
  | {
      ok: false
      reason:
        | 'malformed'
        | 'algorithm'
        | 'no-certificate'
        | 'bad-certificate'
        | 'payload-mismatch'
        | 'signature'
    }

const SIGNATURE_ALGORITHMS: Record<string, { hash: string; padding: number; saltLength?: number }> =
  {
    RS256: { hash: 'sha256', padding: constants.RSA_PKCS1_PADDING },
    PS256: { hash: 'sha256', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
  }

/**
 * Verifies a JWS in compact form whose payload is detached (`header..signature`), over the exact
 * `payload` bytes with the standard base64url payload encoding. The signer is the first
 * certificate of `x5c`, which may be base64 of the DER (RFC 7515) or base64url of the PEM text
 * (as the OpenCRVS SDK sends it): IDA's keymanager parses either.
 */
export function verifyDetachedJws(
  jws: string,
  payload: Buffer,
  allowedAlgorithms: readonly string[]
): DetachedJwsCheck {
  const parts = jws.trim().split('.')
  if (parts.length !== 3) return { ok: false, reason: 'malformed' }
  const [encodedHeader = '', attachedPayload = '', encodedSignature = ''] = parts
  const headerBytes = decodeBase64Lenient(encodedHeader)
  const signature = decodeBase64Lenient(encodedSignature)
  if (!headerBytes || !signature || signature.length === 0)
    return { ok: false, reason: 'malformed' }
  let header: unknown
  try {
    header = JSON.parse(headerBytes.toString('utf8'))
  } catch {
    return { ok: false, reason: 'malformed' }
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    return { ok: false, reason: 'malformed' }
  const fields = header as Record<string, unknown>
  // Unencoded payloads (b64=false) and other critical extensions are not part of IDA's format.
  if (fields.crit !== undefined || fields.b64 !== undefined)
    return { ok: false, reason: 'malformed' }
  const algorithm = typeof fields.alg === 'string' ? SIGNATURE_ALGORITHMS[fields.alg] : undefined
  if (!algorithm || !allowedAlgorithms.includes(fields.alg as string))
    return { ok: false, reason: 'algorithm' }
  const encodedPayload = base64url(payload)
  if (attachedPayload !== '' && attachedPayload !== encodedPayload)
    return { ok: false, reason: 'payload-mismatch' }
  const x5c = fields.x5c
  if (x5c === undefined) return { ok: false, reason: 'no-certificate' }
  if (!Array.isArray(x5c) || typeof x5c[0] !== 'string')
    return { ok: false, reason: 'bad-certificate' }
  const certificateBytes = decodeBase64Lenient(x5c[0])
  if (!certificateBytes) return { ok: false, reason: 'bad-certificate' }
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(certificateBytes)
  } catch {
    return { ok: false, reason: 'bad-certificate' }
  }
  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii')
  let valid: boolean
  try {
    valid = verify(
      algorithm.hash,
      signingInput,
      {
        key: certificate.publicKey,
        padding: algorithm.padding,
        ...(algorithm.saltLength === undefined ? {} : { saltLength: algorithm.saltLength })
      },
      signature
    )
  } catch {
    valid = false
  }
  return valid ? { ok: true, certificate, header: fields } : { ok: false, reason: 'signature' }
}

/** Detached RS256 JWS over `payload` with the signer's certificate in `x5c` (base64 DER). */
export function signDetachedJws(
  payload: Buffer,
  signer: { privateKey: KeyObject; certificateDer: Buffer }
): string {
  const header = base64url(
    JSON.stringify({ alg: 'RS256', x5c: [signer.certificateDer.toString('base64')] })
  )
  const signature = sign(
    'sha256',
    Buffer.from(`${header}.${base64url(payload)}`, 'ascii'),
    signer.privateKey
  )
  return `${header}..${base64url(signature)}`
}
