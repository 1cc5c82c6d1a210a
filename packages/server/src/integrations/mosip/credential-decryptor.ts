import { constants, createDecipheriv, privateDecrypt, webcrypto } from 'node:crypto'
import type { CipherGCMTypes, KeyObject, RsaPrivateKey } from 'node:crypto'
import { ok, permanent, type Outcome } from '../../core/outcome.js'
import type { CredentialDecryptor, IssuedCredential } from '../../core/ports.js'
import { parseVerifiableCredential } from '../../core/verifiable-credential.js'
import { loadPkcs12File } from './pkcs12.js'

/**
 * Opens the `credential` of a MOSIP CREDENTIAL_ISSUED event, in keymanager's hybrid format,
 * entirely with Node's native crypto.
 *
 * ```
 * base64url( keyPart || "#KEY_SPLITTER#" || dataPart )          (padded or not, or standard base64)
 * keyPart  = ["VER_R2"] || [SHA-256(certificate DER)] || RSA-OAEP-SHA256(session key)
 * dataPart = AAD(32) || AES-GCM ciphertext || tag(16)             IV = AAD[0..12]  (with VER_R2)
 *          = AES-GCM ciphertext || tag(16) || IV(16), no AAD      (older keymanager, no VER_R2)
 * ```
 *
 * The key material is parsed once, in the constructor; `decrypt` does one RSA private operation,
 * one AES-GCM pass and a JSON parse. The RSA operation, ≈ 0.7 ms of a 2-core server's time and
 * most of the cost, runs on libuv's thread pool (WebCrypto's RSA-OAEP, the same SHA-256 for OAEP
 * and MGF1), so the event loop meanwhile serves other work; `decryptNow` does it all in place.
 */

/** Not base64, no splitter, parts of impossible sizes. */
export const CREDENTIAL_MALFORMED = 'CREDENTIAL_MALFORMED'
/** Encrypted for a certificate whose thumbprint is not ours. */
export const CREDENTIAL_WRONG_RECIPIENT = 'CREDENTIAL_WRONG_RECIPIENT'
/** RSA-OAEP did not open the session key, or AES-GCM authentication failed. */
export const CREDENTIAL_DECRYPT_FAILED = 'CREDENTIAL_DECRYPT_FAILED'
/** The plaintext is neither JSON nor base64url of JSON. */
export const CREDENTIAL_NOT_JSON = 'CREDENTIAL_NOT_JSON'
export { CREDENTIAL_NOT_VC } from '../../core/verifiable-credential.js'

const KEY_SPLITTER = Buffer.from('#KEY_SPLITTER#', 'latin1')
const VERSION_HEADER = Buffer.from('VER_R2', 'latin1')
const THUMBPRINT_BYTES = 32
const AAD_BYTES = 32
const NONCE_BYTES = 12
const TAG_BYTES = 16
const TRAILING_IV_BYTES = 16
const GCM_BY_KEY_BYTES = new Map<number, CipherGCMTypes>([
  [16, 'aes-128-gcm'],
  [24, 'aes-192-gcm'],
  [32, 'aes-256-gcm'] // what keymanager uses
])

interface MosipCredentialDecryptorOptions {
  /** The partner's RSA private key (any size: MOSIP has used 2048 and 4096 bits). */
  privateKey: KeyObject
  /**
   * SHA-256 of the DER certificate(s) MOSIP may encrypt to; several when the keystore holds the
   * partner certificate and MOSIP's signed copy of it.
   */
  thumbprint?: Buffer | readonly Buffer[]
  /** Refuse credentials carrying another thumbprint. Default: on when a thumbprint is known. */
  checkThumbprint?: boolean
}

interface KeystoreDecryptorOptions {
  checkThumbprint?: boolean
  /** Further certificate thumbprints to accept besides those of the keystore's certificates. */
  extraThumbprints?: readonly Buffer[]
}

interface Envelope {
  thumbprint: Buffer | undefined
  encryptedKey: Buffer
  /** The ways the data part can be read, in the order to try them. */
  layouts: GcmParts[]
}

interface GcmParts {
  iv: Buffer
  aad: Buffer | undefined
  ciphertext: Buffer
  tag: Buffer
}

/** With VER_R2: AAD(32) ‖ ciphertext ‖ tag(16); the IV is the AAD's first 12 bytes. */
function aadPrefixed(data: Buffer): GcmParts | undefined {
  if (data.length < AAD_BYTES + TAG_BYTES) return undefined
  const aad = data.subarray(0, AAD_BYTES)
  return {
    iv: aad.subarray(0, NONCE_BYTES),
    aad,
    ciphertext: data.subarray(AAD_BYTES, data.length - TAG_BYTES),
    tag: data.subarray(data.length - TAG_BYTES)
  }
}

/** keymanager's symmetricEncrypt without AAD (before VER_R2): ciphertext ‖ tag(16) ‖ IV(16). */
function ivSuffixed(data: Buffer): GcmParts | undefined {
  if (data.length < TAG_BYTES + TRAILING_IV_BYTES) return undefined
  const tagAt = data.length - TRAILING_IV_BYTES - TAG_BYTES
  return {
    iv: data.subarray(data.length - TRAILING_IV_BYTES),
    aad: undefined,
    ciphertext: data.subarray(0, tagAt),
    tag: data.subarray(tagAt, data.length - TRAILING_IV_BYTES)
  }
}

function openGcm(algorithm: CipherGCMTypes, key: Buffer, parts: GcmParts): Buffer | undefined {
  try {
    const decipher = createDecipheriv(algorithm, key, parts.iv, {
      authTagLength: TAG_BYTES
    })
    if (parts.aad) decipher.setAAD(parts.aad)
    decipher.setAuthTag(parts.tag)
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()])
  } catch {
    return undefined
  }
}

const BASE64_TEXT = /^[A-Za-z0-9+/_-]+={0,2}$/

/** Standard base64 or base64url, padded or not; line breaks tolerated. Undefined if neither. */
export function decodeBase64Text(text: string): Buffer | undefined {
  const compact = /\s/.test(text) ? text.replace(/\s+/g, '') : text
  if (!BASE64_TEXT.test(compact)) return undefined
  const unpadded = compact.replace(/=+$/, '')
  if (unpadded.length % 4 === 1) return undefined
  if (unpadded.length !== compact.length && compact.length % 4 !== 0) return undefined
  return Buffer.from(unpadded, 'base64')
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

function parseJson(bytes: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(UTF8.decode(bytes)) }
  } catch {
    return undefined
  }
}

/**
 * credential-service gives keymanager base64url(VC JSON) and keymanager decodes it before
 * encrypting, so the plaintext is the JSON itself. A deployment that encodes once more would
 * leave base64url text instead; that is accepted too.
 */
function plaintextJson(plaintext: Buffer): { value: unknown } | undefined {
  const direct = parseJson(plaintext)
  if (direct) return direct
  const inner = decodeBase64Text(plaintext.toString('latin1'))
  return inner ? parseJson(inner) : undefined
}

const hex = (bytes: Buffer): string => bytes.toString('hex')

/** The verifiable credential in decrypted bytes (JSON, or base64url of JSON). */
function credentialFrom(opened: Outcome<Buffer>): Outcome<IssuedCredential> {
  if (opened.kind !== 'ok') return opened
  const json = plaintextJson(opened.value)
  if (!json) {
    return permanent(
      CREDENTIAL_NOT_JSON,
      'the decrypted credential is neither JSON nor base64url of JSON'
    )
  }
  return parseVerifiableCredential(json.value)
}

export class MosipCredentialDecryptor implements CredentialDecryptor {
  private readonly rsa: RsaPrivateKey
  private readonly privateKey: KeyObject
  private readonly rsaBytes: number
  private readonly thumbprints: readonly Buffer[]
  private readonly checkThumbprint: boolean
  /** The private key as WebCrypto uses it, imported at the first decryption. */
  private webKey: Promise<webcrypto.CryptoKey> | undefined

  /** Opens the PKCS#12 keystore (DECRYPT_P12_FILE_PATH/PASSWORD) once; throws KeystoreError. */
  static fromKeystoreFile(
    path: string,
    password: string,
    options: KeystoreDecryptorOptions = {}
  ): MosipCredentialDecryptor {
    const keystore = loadPkcs12File(path, password)
    const thumbprint = [...keystore.thumbprints, ...(options.extraThumbprints ?? [])]
    return new MosipCredentialDecryptor({
      privateKey: keystore.privateKey,
      thumbprint,
      ...(options.checkThumbprint === undefined ? {} : { checkThumbprint: options.checkThumbprint })
    })
  }

  constructor(options: MosipCredentialDecryptorOptions) {
    const { privateKey } = options
    if (privateKey?.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa') {
      throw new TypeError('MOSIP credentials are decrypted with an RSA private key')
    }
    const bits = privateKey.asymmetricKeyDetails?.modulusLength
    if (!bits) throw new TypeError('the RSA private key does not tell its size')
    this.rsaBytes = Math.ceil(bits / 8)
    this.privateKey = privateKey
    this.rsa = { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }
    const given = options.thumbprint
    const thumbprints = given === undefined ? [] : Buffer.isBuffer(given) ? [given] : [...given]
    if (thumbprints.some((t) => t.length !== THUMBPRINT_BYTES)) {
      throw new RangeError('a certificate thumbprint is the 32-byte SHA-256 of its DER')
    }
    this.thumbprints = thumbprints.map((t) => Buffer.from(t))
    this.checkThumbprint = options.checkThumbprint ?? this.thumbprints.length > 0
    if (this.checkThumbprint && this.thumbprints.length === 0) {
      throw new TypeError('checking the recipient needs the certificate thumbprint, none is known')
    }
  }

  /** For the start-up log: key size, accepted thumbprints (hex), whether they are enforced. */
  describe(): { keyBits: number; thumbprints: string[]; checkThumbprint: boolean } {
    return {
      keyBits: this.rsaBytes * 8,
      thumbprints: this.thumbprints.map(hex),
      checkThumbprint: this.checkThumbprint
    }
  }

  /** Decrypts on the thread pool (see above); the outcome is that of `decryptNow`. */
  async decrypt(credential: string): Promise<Outcome<IssuedCredential>> {
    const prepared = this.prepare(credential)
    if (prepared.kind !== 'ok') return prepared
    const sessionKey = await this.openSessionKeyInBackground(prepared.value.encryptedKey)
    return credentialFrom(this.openData(prepared.value, sessionKey))
  }

  /** Decrypts on the calling thread. */
  decryptNow(credential: string): Outcome<IssuedCredential> {
    return credentialFrom(this.decryptBytes(credential))
  }

  /** The plaintext bytes of a credential; the messages of failures never quote its content. */
  decryptBytes(credential: string): Outcome<Buffer> {
    const prepared = this.prepare(credential)
    if (prepared.kind !== 'ok') return prepared
    return this.openData(prepared.value, this.openSessionKey(prepared.value.encryptedKey))
  }

  /** The credential's parts, refused when it names a certificate that is not ours. */
  private prepare(credential: string): Outcome<Envelope> {
    const opened = this.envelope(credential)
    if (opened.kind !== 'ok') return opened
    const { thumbprint, encryptedKey } = opened.value
    if (thumbprint && this.checkThumbprint && !this.knows(thumbprint)) {
      return this.wrongRecipient(thumbprint, encryptedKey)
    }
    return opened
  }

  /** The data part opened with the session key RSA-OAEP gave (undefined: it gave none). */
  private openData({ layouts }: Envelope, sessionKey: Buffer | undefined): Outcome<Buffer> {
    if (!sessionKey) {
      return permanent(
        CREDENTIAL_DECRYPT_FAILED,
        'RSA-OAEP (SHA-256) did not open the session key: the credential was not encrypted ' +
          'for our key, or it was altered'
      )
    }
    const algorithm = GCM_BY_KEY_BYTES.get(sessionKey.length)
    if (!algorithm) {
      return permanent(
        CREDENTIAL_DECRYPT_FAILED,
        `the session key is ${sessionKey.length} bytes, not an AES key`
      )
    }
    for (const parts of layouts) {
      const plaintext = openGcm(algorithm, sessionKey, parts)
      if (plaintext) return ok(plaintext)
    }
    return permanent(
      CREDENTIAL_DECRYPT_FAILED,
      'AES-GCM authentication failed: the encrypted data or its tag was altered'
    )
  }

  /** Splits the credential into its parts; only structure is checked here, no cryptography. */
  private envelope(credential: string): Outcome<Envelope> {
    if (typeof credential !== 'string') {
      return permanent(CREDENTIAL_MALFORMED, 'the credential is not a string')
    }
    const bytes = decodeBase64Text(credential)
    if (!bytes) {
      return permanent(CREDENTIAL_MALFORMED, 'the credential is not base64 or base64url text')
    }
    // keymanager splits at the first splitter too; the data part may contain the same bytes
    const split = bytes.indexOf(KEY_SPLITTER)
    if (split < 0) return permanent(CREDENTIAL_MALFORMED, 'the credential has no #KEY_SPLITTER#')
    const keyPart = bytes.subarray(0, split)
    const dataPart = bytes.subarray(split + KEY_SPLITTER.length)
    // VER_R2 marks the AAD-prefixed data part (keymanager ≥ 1.2 when the caller sends no AAD,
    // which is credential-service's case); without it, an older layout may be in use
    const versioned = keyPart.subarray(0, VERSION_HEADER.length).equals(VERSION_HEADER)
    const header = versioned ? keyPart.subarray(VERSION_HEADER.length) : keyPart

    let thumbprint: Buffer | undefined
    let encryptedKey: Buffer
    if (header.length === THUMBPRINT_BYTES + this.rsaBytes) {
      thumbprint = header.subarray(0, THUMBPRINT_BYTES)
      encryptedKey = header.subarray(THUMBPRINT_BYTES)
    } else if (header.length === this.rsaBytes) {
      encryptedKey = header // keymanager before 1.2.0.1 prepended no thumbprint
    } else {
      // a key block of another size: for another key, most likely another recipient's
      if (this.checkThumbprint && header.length > THUMBPRINT_BYTES) {
        const received = header.subarray(0, THUMBPRINT_BYTES)
        if (!this.knows(received)) return this.wrongRecipient(received, undefined)
      }
      return permanent(
        CREDENTIAL_MALFORMED,
        `the encrypted session key takes ${header.length} bytes; our ${this.rsaBytes * 8}-bit ` +
          `key needs ${this.rsaBytes}, after an optional ${THUMBPRINT_BYTES}-byte thumbprint`
      )
    }
    const layouts = (versioned ? [aadPrefixed] : [aadPrefixed, ivSuffixed])
      .map((layout) => layout(dataPart))
      .filter((parts): parts is GcmParts => parts !== undefined)
    if (layouts.length === 0) {
      return permanent(
        CREDENTIAL_MALFORMED,
        `the encrypted data takes ${dataPart.length} bytes, too few for its AAD/IV and tag`
      )
    }
    return ok({ thumbprint, encryptedKey, layouts })
  }

  private knows(thumbprint: Buffer): boolean {
    return this.thumbprints.some((ours) => ours.equals(thumbprint))
  }

  private openSessionKey(encryptedKey: Buffer): Buffer | undefined {
    try {
      return privateDecrypt(this.rsa, encryptedKey)
    } catch {
      return undefined
    }
  }

  /**
   * The session key, opened on the thread pool. Where WebCrypto cannot take the key or refuses
   * the block, the in-place operation decides, so that the outcome is always the one
   * `privateDecrypt` gives (refused blocks are rare: altered or misdirected credentials).
   */
  private async openSessionKeyInBackground(encryptedKey: Buffer): Promise<Buffer | undefined> {
    try {
      this.webKey ??= webcrypto.subtle.importKey(
        'pkcs8',
        this.privateKey.export({ format: 'der', type: 'pkcs8' }),
        { name: 'RSA-OAEP', hash: 'SHA-256' },
        false,
        ['decrypt']
      )
      const key = await this.webKey
      return Buffer.from(await webcrypto.subtle.decrypt({ name: 'RSA-OAEP' }, key, encryptedKey))
    } catch {
      return this.openSessionKey(encryptedKey)
    }
  }

  /**
   * Refuses a credential for another certificate. When our key opens it all the same, MOSIP
   * used another certificate of ours: it encrypts to the copy of the partner certificate that
   * it signed itself at upload, whose thumbprint differs from the certificate in our keystore.
   * The message says so, since the remedy is configuration, not a retry.
   */
  private wrongRecipient(received: Buffer, encryptedKey: Buffer | undefined): Outcome<never> {
    const ours = this.thumbprints.map(hex).join(', ')
    const opens = encryptedKey !== undefined && this.openSessionKey(encryptedKey) !== undefined
    const reason = opens
      ? `the credential names certificate ${hex(received)}, not ours (${ours}), yet our key ` +
        'opens it: MOSIP encrypted to another certificate for our key (likely the copy it ' +
        'signed at upload). Add that certificate or its thumbprint, or turn the check off'
      : `the credential was encrypted for certificate ${hex(received)}, not ours (${ours})`
    return permanent(CREDENTIAL_WRONG_RECIPIENT, reason)
  }
}
