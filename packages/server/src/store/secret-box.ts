import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

class SecretBoxError extends Error {
  readonly code = 'SEALED_VALUE_UNREADABLE'
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8)
}

/**
 * Seals secret columns (OpenCRVS tokens, request payloads, raw deliveries) with AES-256-GCM.
 * Sealed text is `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts). The key id lets older
 * keys keep opening old rows after a rotation. The context (table, column and row id) is bound
 * as additional authenticated data, so a sealed value copied into another row does not open.
 */
export class SecretBox {
  private readonly current: { id: string; key: Buffer }
  private readonly byId: Map<string, Buffer>

  constructor(key: Buffer, previousKeys: readonly Buffer[] = []) {
    for (const k of [key, ...previousKeys]) {
      if (k.length !== 32) throw new RangeError('encryption keys must be 32 bytes (AES-256)')
    }
    this.current = { id: keyId(key), key }
    this.byId = new Map([...previousKeys, key].map((k) => [keyId(k), k]))
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv)
    cipher.setAAD(Buffer.from(context, 'utf8'))
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag()
    ])
    return [VERSION, this.current.id, iv.toString('base64url'), body.toString('base64url')].join(
      '.'
    )
  }

  open(sealed: string, context: string): string {
    const [version, id, ivText, bodyText, extra] = sealed.split('.')
    if (version !== VERSION || !id || !ivText || !bodyText || extra !== undefined) {
      throw new SecretBoxError('sealed value has an unknown format')
    }
    const key = this.byId.get(id)
    if (!key) throw new SecretBoxError(`sealed value uses key ${id}, which is not configured`)
    const iv = Buffer.from(ivText, 'base64url')
    const body = Buffer.from(bodyText, 'base64url')
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
      throw new SecretBoxError('sealed value is truncated')
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv)
      decipher.setAAD(Buffer.from(context, 'utf8'))
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
      const plain = Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final()
      ])
      return plain.toString('utf8')
    } catch (cause) {
      throw new SecretBoxError('sealed value failed authentication', { cause })
    }
  }

  /** Id of the key new values are sealed with (the second part of sealed text). */
  get currentKeyId(): string {
    return this.current.id
  }

  /** Whether a key with this id is configured (current or previous). */
  hasKey(id: string): boolean {
    return this.byId.has(id)
  }

  /** Re-seals a value under the current key (opening it with whichever key sealed it). */
  reseal(sealed: string, context: string): string {
    return this.seal(this.open(sealed, context), context)
  }

  /** True when the value was sealed with an older key and should be re-sealed. */
  needsRotation(sealed: string): boolean {
    return sealed.split('.')[1] !== this.current.id
  }
}
