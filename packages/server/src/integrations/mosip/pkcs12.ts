import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import forge from 'node-forge'
import { errorCode } from '../../core/error-code.js'

/**
 * Opens the partner keystore (PKCS#12, `DECRYPT_P12_FILE_PATH`) once at start-up.
 *
 * Node's crypto cannot read PKCS#12, so node-forge opens the container (MAC check, PBE
 * decryption of the bags) and nothing else: the private key leaves it as PKCS#8 DER and becomes a
 * native `KeyObject`, certificates leave it as DER and are inspected with Node's
 * `X509Certificate`. Every later RSA or AES operation is native.
 *
 * Keystores written by Java keytool (PBES2/AES-256 since JDK 11.0.12, or the legacy
 * 3DES + RC2-40 + SHA-1 MAC profile) and by the openssl CLI (PBES2/AES-256 with a SHA-256 MAC by
 * default, 3DES with `-keypbe/-certpbe PBE-SHA1-3DES`) are supported. A keystore handed over as
 * base64 text (as some secret stores do) is accepted too.
 */

type KeystoreErrorCode = 'KEYSTORE_PASSWORD_WRONG' | 'KEYSTORE_NO_KEY' | 'KEYSTORE_UNREADABLE'

/** A keystore that cannot be used; the message never contains the password. */
export class KeystoreError extends Error {
  readonly code: KeystoreErrorCode

  constructor(code: KeystoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KeystoreError'
    this.code = code
  }
}

interface Pkcs12Contents {
  privateKey: KeyObject
  /** DER of the certificate that holds the private key's public key, if the keystore has one. */
  certificateDer: Buffer | undefined
  /** SHA-256 of `certificateDer`: MOSIP's certificate thumbprint. */
  thumbprint: Buffer | undefined
  /**
   * SHA-256 of every certificate in the keystore that carries the private key's public key
   * (`thumbprint` first). MOSIP encrypts to its own signed copy of the partner certificate; a
   * keystore that holds that copy beside the partner's own certificate yields both here.
   */
  thumbprints: Buffer[]
}

const PASSWORD_FAILURE =
  /MAC could not be verified|wrong password|Failed to decrypt|Unable to decrypt/i
const UNSUPPORTED = /unsupported|not supported/i

/** forge's message when it carries no secret, for the operator; otherwise nothing. */
function detail(error: unknown, password: string): string {
  const message = error instanceof Error ? error.message : String(error)
  return password.length > 0 && message.includes(password) ? '' : `: ${message}`
}

/** Accepts DER, or the same DER as base64 text (secret stores often hand files out that way). */
function derBytes(bytes: Buffer): Buffer {
  if (bytes[0] === 0x30) return bytes
  const text = bytes.toString('latin1').trim()
  if (text.length > 0 && /^[A-Za-z0-9+/=\s]+$/.test(text)) {
    const decoded = Buffer.from(text, 'base64')
    if (decoded[0] === 0x30) return decoded
  }
  return bytes
}

function parsePfx(bytes: Buffer): forge.asn1.Asn1 {
  try {
    // not strict: BER length forms some tools emit are tolerated
    return forge.asn1.fromDer(forge.util.createBuffer(derBytes(bytes).toString('binary')), false)
  } catch (error) {
    throw new KeystoreError('KEYSTORE_UNREADABLE', 'the keystore is not a PKCS#12 (DER) file', {
      cause: error
    })
  }
}

/** A PFX carries macData as its third element; without it a wrong password shows up later. */
function hasMac(pfx: forge.asn1.Asn1): boolean {
  return Array.isArray(pfx.value) && pfx.value.length > 2
}

/** The same PFX without its macData (only used once the MAC has been verified). */
function withoutMac(pfx: forge.asn1.Asn1): forge.asn1.Asn1 {
  const parts = (pfx.value as forge.asn1.Asn1[]).slice(0, 2)
  return forge.asn1.create(pfx.tagClass, pfx.type, pfx.constructed, parts)
}

/**
 * Second attempts for passwords that encoders disagree on:
 * - '' : openssl and Java differ on whether an empty password is encoded as no bytes or as a
 *   BMPString terminator; forge uses the terminator for '' and no bytes for undefined.
 * - non-ASCII : the MAC and the PKCS#12 PBE use the password as UTF-16 (forge does that right),
 *   but PBES2 (AES) bags use its UTF-8 bytes, while forge feeds the JavaScript string as is. Once
 *   the MAC has accepted the password, the bags are opened again with the UTF-8 bytes.
 */
function retryOpen(
  pfx: forge.asn1.Asn1,
  password: string,
  firstFailure: string
): forge.pkcs12.Pkcs12Pfx | undefined {
  const attempts: Array<() => forge.pkcs12.Pkcs12Pfx> = []
  if (password === '') attempts.push(() => forge.pkcs12.pkcs12FromAsn1(pfx, false))
  if (/[^\x20-\x7e]/.test(password) && !/MAC could not be verified/i.test(firstFailure)) {
    const utf8 = forge.util.encodeUtf8(password)
    attempts.push(() => forge.pkcs12.pkcs12FromAsn1(withoutMac(pfx), false, utf8))
  }
  for (const attempt of attempts) {
    try {
      return attempt()
    } catch {
      // the first failure is the one reported
    }
  }
  return undefined
}

function openPfx(pfx: forge.asn1.Asn1, password: string): forge.pkcs12.Pkcs12Pfx {
  try {
    return forge.pkcs12.pkcs12FromAsn1(pfx, false, password)
  } catch (error) {
    const message = error instanceof Error ? error.message : ''
    const retried = retryOpen(pfx, password, message)
    if (retried) return retried
    if (/not an PKCS#12 PFX|Cannot read PKCS#12 PFX/i.test(message)) {
      throw new KeystoreError('KEYSTORE_UNREADABLE', 'the file is DER but not a PKCS#12 keystore', {
        cause: error
      })
    }
    if (PASSWORD_FAILURE.test(message) || (!hasMac(pfx) && !UNSUPPORTED.test(message))) {
      throw new KeystoreError(
        'KEYSTORE_PASSWORD_WRONG',
        'the keystore password is wrong (the keystore could not be verified or decrypted)',
        { cause: error }
      )
    }
    throw new KeystoreError(
      'KEYSTORE_UNREADABLE',
      `the keystore could not be read${detail(error, password)}`,
      { cause: error }
    )
  }
}

interface KeyEntry {
  key: KeyObject
  localKeyId: string | undefined
}

interface CertEntry {
  der: Buffer
  spki: Buffer
  localKeyId: string | undefined
}

function localKeyIdOf(bag: forge.pkcs12.Bag): string | undefined {
  const ids = (bag.attributes as Record<string, unknown[] | undefined>).localKeyId
  const first = ids?.[0]
  return typeof first === 'string' ? Buffer.from(first, 'binary').toString('hex') : undefined
}

function bagsOf(pfx: forge.pkcs12.Pkcs12Pfx, bagType: string): forge.pkcs12.Bag[] {
  return pfx.getBags({ bagType })[bagType] ?? []
}

function keyEntries(pfx: forge.pkcs12.Pkcs12Pfx): KeyEntry[] {
  const bags = [
    ...bagsOf(pfx, forge.pki.oids.pkcs8ShroudedKeyBag!),
    ...bagsOf(pfx, forge.pki.oids.keyBag!)
  ]
  return bags.map((bag) => {
    // forge parses RSA keys into its own object; other key types stay PrivateKeyInfo ASN.1.
    const privateKeyInfo = bag.key
      ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))
      : bag.asn1
    if (!privateKeyInfo) {
      throw new KeystoreError('KEYSTORE_UNREADABLE', 'a key entry of the keystore is empty')
    }
    try {
      const der = Buffer.from(forge.asn1.toDer(privateKeyInfo).getBytes(), 'binary')
      return {
        key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
        localKeyId: localKeyIdOf(bag)
      }
    } catch (error) {
      throw new KeystoreError('KEYSTORE_UNREADABLE', 'a private key of the keystore is unusable', {
        cause: error
      })
    }
  })
}

function certEntries(pfx: forge.pkcs12.Pkcs12Pfx): CertEntry[] {
  const entries: CertEntry[] = []
  for (const bag of bagsOf(pfx, forge.pki.oids.certBag!)) {
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1
    if (!asn1) continue
    try {
      const der = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')
      const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' })
      entries.push({ der, spki, localKeyId: localKeyIdOf(bag) })
    } catch {
      // a certificate Node cannot read cannot be matched to the key; ignore it
    }
  }
  return entries
}

const sha256 = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest()

/**
 * Reads a PKCS#12 keystore. When it holds several keys, the first one for which a certificate is
 * present wins (else the first key). The certificate reported is the one carrying that key's
 * public key, preferring the one with the same localKeyId attribute.
 */
export function loadPkcs12(bytes: Buffer, password: string): Pkcs12Contents {
  if (!Buffer.isBuffer(bytes) || bytes.length === 0) {
    throw new KeystoreError('KEYSTORE_UNREADABLE', 'the keystore is empty')
  }
  const pfx = openPfx(parsePfx(bytes), password)
  const keys = keyEntries(pfx)
  if (keys.length === 0) {
    throw new KeystoreError('KEYSTORE_NO_KEY', 'the keystore holds no private key')
  }
  const certs = certEntries(pfx)
  const matching = keys.map((entry) => {
    const spki = createPublicKey(entry.key).export({ type: 'spki', format: 'der' })
    const own = certs.filter((cert) => cert.spki.equals(spki))
    own.sort(
      (a, b) =>
        Number(b.localKeyId !== undefined && b.localKeyId === entry.localKeyId) -
        Number(a.localKeyId !== undefined && a.localKeyId === entry.localKeyId)
    )
    return { entry, own }
  })
  const chosen = matching.find((m) => m.own.length > 0) ?? matching[0]!
  const certificateDer = chosen.own[0]?.der
  const thumbprints = chosen.own.map((cert) => sha256(cert.der))
  return {
    privateKey: chosen.entry.key,
    certificateDer,
    thumbprint: thumbprints[0],
    thumbprints
  }
}

/** Reads and opens the keystore file at `path` (see `loadPkcs12`). */
export function loadPkcs12File(path: string, password: string): Pkcs12Contents {
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (error) {
    const code = errorCode(error) ?? 'read error'
    throw new KeystoreError('KEYSTORE_UNREADABLE', `cannot read the keystore ${path} (${code})`, {
      cause: error
    })
  }
  return loadPkcs12(bytes, password)
}
