/**
 * The cryptography MOSIP applies on the wire, written from the wire formats (not from the bridge's
 * code) with Node's crypto only: RS256 JWTs, the keymanager hybrid encryption of credentials,
 * detached JWS signatures and a canonical JSON form for the VC proof.
 */
import {
  constants,
  createCipheriv,
  createHash,
  publicEncrypt,
  randomBytes,
  sign,
  verify,
  type KeyObject
} from 'node:crypto'
import { MOSIP_CREDENTIAL_ENCRYPTION } from '@mosip-bridge/contracts'

export function base64url(data: Buffer | string): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url')
}

export function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest()
}

// ---------------------------------------------------------------------------------------------
// JWT (RS256), as Keycloak issues them behind the auth manager

/** Signs a compact RS256 JWT. */
export function signJwt(
  claims: Record<string, unknown>,
  privateKey: KeyObject,
  keyId: string
): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: keyId }))
  const payload = base64url(JSON.stringify(claims))
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`, 'ascii'), privateKey)
  return `${header}.${payload}.${base64url(signature)}`
}

/**
 * Checks an RS256 JWT's signature and returns its claims, or undefined when the token is malformed,
 * not RS256 or not signed by `publicKey`. Expiry is left to the caller.
 */
export function verifyJwtSignature(
  token: string,
  publicKey: KeyObject
): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [header, payload, signature] = parts as [string, string, string]
  try {
    const decodedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as {
      alg?: unknown
    }
    if (decodedHeader.alg !== 'RS256') return undefined
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`, 'ascii'),
      publicKey,
      Buffer.from(signature, 'base64url')
    )
    if (!valid) return undefined
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// Keymanager hybrid encryption (CryptomanagerServiceImpl.encrypt, no caller AAD)

const VERSION_PREFIX = Buffer.from(MOSIP_CREDENTIAL_ENCRYPTION.versionPrefix, 'ascii')
const KEY_SPLITTER = Buffer.from(MOSIP_CREDENTIAL_ENCRYPTION.keySplitter, 'ascii')

/**
 * `base64url(VER_R2 || SHA-256(cert DER) || RSA-OAEP-SHA256(key) || #KEY_SPLITTER# || aad ||
 * AES-256-GCM ciphertext || tag)`, unpadded. The GCM nonce is the first 12 bytes of the 32-byte
 * AAD, and the whole AAD is authenticated.
 */
export function encryptForPartner(
  plaintext: Buffer,
  partner: { publicKey: KeyObject; thumbprint: Buffer }
): string {
  const aesKey = randomBytes(32)
  const aad = randomBytes(32)
  const cipher = createCipheriv('aes-256-gcm', aesKey, aad.subarray(0, 12), { authTagLength: 16 })
  cipher.setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  const tag = cipher.getAuthTag()
  const wrappedKey = publicEncrypt(
    { key: partner.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    aesKey
  )
  return Buffer.concat([
    VERSION_PREFIX,
    partner.thumbprint,
    wrappedKey,
    KEY_SPLITTER,
    aad,
    ciphertext,
    tag
  ]).toString('base64url')
}

/** Flips one bit in the ciphertext of a hybrid-encrypted value: GCM authentication then fails. */
export function tamperHybridCiphertext(encrypted: string): string {
  const bytes = Buffer.from(encrypted, 'base64url')
  const split = bytes.indexOf(KEY_SPLITTER)
  const target = split + KEY_SPLITTER.length + 32
  if (split < 0 || target >= bytes.length) return encrypted
  bytes[target] = (bytes[target] ?? 0) ^ 0x01
  return bytes.toString('base64url')
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON and detached JWS (the VC proof)

/**
 * JSON Canonicalization Scheme (RFC 8785): object keys sorted by UTF-16 code units, no
 * whitespace, ECMAScript number and string serialization.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value)
    return text === undefined ? 'null' : text
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`
}

/** A detached JWS with unencoded payload (RFC 7797): `base64url(header)..base64url(signature)`. */
export function signDetachedUnencoded(
  header: Record<string, unknown>,
  payload: Buffer,
  privateKey: KeyObject
): string {
  const encodedHeader = base64url(JSON.stringify(header))
  const input = Buffer.concat([Buffer.from(`${encodedHeader}.`, 'ascii'), payload])
  const signature = sign('sha256', input, {
    key: privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32
  })
  return `${encodedHeader}..${base64url(signature)}`
}

/** A detached compact JWS (RS256, base64url payload): `base64url(header)..base64url(signature)`. */
export function signDetachedRs256(
  header: Record<string, unknown>,
  payload: Buffer,
  privateKey: KeyObject
): string {
  const encodedHeader = base64url(JSON.stringify(header))
  const input = Buffer.from(`${encodedHeader}.${base64url(payload)}`, 'ascii')
  return `${encodedHeader}..${base64url(sign('sha256', input, privateKey))}`
}
