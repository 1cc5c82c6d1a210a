/**
 * The cryptography of an IDA authentication request, as IDA's decrypter and signature filter
 * read it (MOSIP's partner SDK layout):
 * - `request` and `requestHMAC`: AES-256-GCM with a fresh 16-byte IV each, laid out
 *   `ciphertext || tag(16) || iv(16)`, no AAD; padded base64url;
 * - `requestSessionKey`: the AES key under RSA-OAEP (SHA-256, MGF1-SHA-256, empty label) with
 *   IDA's certificate; base64url;
 * - `thumbprint`: padded base64url of SHA-256 over IDA's certificate (DER);
 * - the `Signature` header: a detached RS256 JWS over the exact body bytes, the partner's
 *   certificate in `x5c`.
 * Everything is node:crypto; the JWS is assembled by hand so that its constant header is encoded
 * once, not per request.
 */
import {
  constants,
  createCipheriv,
  createHash,
  publicEncrypt,
  randomBytes,
  sign,
  type KeyObject
} from 'node:crypto'

const IDA_GCM_TAG_BYTES = 16
/** One AES block, as keymanager's `symmetricEncrypt` without an explicit IV generates it. */
const IDA_GCM_IV_BYTES = 16
const IDA_SESSION_KEY_BYTES = 32

/** base64url with `=` padding (IDA's SDK pads `request`, `requestHMAC` and `thumbprint`). */
export function base64urlPadded(bytes: Buffer): string {
  const unpadded = bytes.toString('base64url')
  return unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4)
}

export function newSessionKey(): Buffer {
  return randomBytes(IDA_SESSION_KEY_BYTES)
}

/** AES-256-GCM, `ciphertext || tag || iv`, a fresh IV per call (never reuse one under a key). */
export function encryptIdaSymmetric(key: Buffer, plaintext: Buffer): Buffer {
  const iv = randomBytes(IDA_GCM_IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: IDA_GCM_TAG_BYTES })
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag(), iv])
}

/** RSA/ECB/OAEPWithSHA-256AndMGF1Padding over the session key, to IDA's certificate. */
export function encryptSessionKey(idaPublicKey: KeyObject, sessionKey: Buffer): Buffer {
  return publicEncrypt(
    { key: idaPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    sessionKey
  )
}

/** The HMAC plaintext: upper-case hex of SHA-256 over the exact JSON that is encrypted. */
export function requestDigest(data: Buffer): Buffer {
  return Buffer.from(createHash('sha256').update(data).digest('hex').toUpperCase(), 'utf8')
}

/** MOSIP's certificate thumbprint: SHA-256 over the DER. */
export function certificateThumbprint(certificateDer: Buffer): Buffer {
  return createHash('sha256').update(certificateDer).digest()
}

/** The PEM text of a DER certificate (64-character lines). */
function certificatePem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}

/**
 * Signs request bodies as a detached JWS `header..signature`. The protected header is
 * `{"alg":"RS256","x5c":[...]}` with, like the OpenCRVS SDK that runs against MOSIP Collab,
 * base64url of the certificate's PEM text in `x5c` (IDA's keymanager reads PEM or DER there).
 */
export class DetachedJwsSigner {
  private readonly encodedHeader: string

  constructor(
    private readonly privateKey: KeyObject,
    certificateDer: Buffer
  ) {
    const x5c = Buffer.from(certificatePem(certificateDer), 'utf8').toString('base64url')
    const header = JSON.stringify({ alg: 'RS256', x5c: [x5c] })
    this.encodedHeader = Buffer.from(header, 'utf8').toString('base64url')
  }

  sign(payload: Buffer): string {
    const signature = sign('sha256', this.signingInput(payload), this.key())
    return this.detached(signature)
  }

  /**
   * As `sign`, with the RSA private-key operation (≈ half the cost of building a request) run on
   * libuv's thread pool instead of the event loop, which meanwhile serves other requests.
   */
  signInBackground(payload: Buffer): Promise<string> {
    const input = this.signingInput(payload)
    return new Promise((resolve, reject) => {
      sign('sha256', input, this.key(), (error, signature) => {
        if (error) reject(error)
        else resolve(this.detached(signature))
      })
    })
  }

  private signingInput(payload: Buffer): Buffer {
    return Buffer.from(`${this.encodedHeader}.${payload.toString('base64url')}`)
  }

  private key() {
    return { key: this.privateKey, padding: constants.RSA_PKCS1_PADDING }
  }

  private detached(signature: Buffer): string {
    return `${this.encodedHeader}..${signature.toString('base64url')}`
  }
}
