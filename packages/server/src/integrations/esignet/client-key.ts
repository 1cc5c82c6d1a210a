/**
 * The relying party's private keys, read once at start-up: `OIDP_CLIENT_PRIVATE_KEY_PATH` signs
 * the `private_key_jwt` client assertions, and `OIDP_CLIENT_ENCRYPTION_KEY_PATH` (optional)
 * decrypts JWE userinfo when the client registered a separate encryption key in E-Signet; without
 * it the assertion key decrypts. Each file holds base64 of the private JWK's JSON, as mosip-api
 * and OpenCRVS's `esignet-jwk.txt` have it; the JWK JSON itself or a PEM private key are accepted
 * too.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { errorCode } from '../../core/error-code.js'

export class EsignetSetupError extends Error {
  readonly code = 'ESIGNET_CLIENT_KEY_UNUSABLE'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'EsignetSetupError'
  }
}

export interface EsignetClientKey {
  privateKey: KeyObject
  /** The JWK's `kid`, when it has one. */
  kid: string | undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return isRecord(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** Parses the key file's text; throws EsignetSetupError (never quoting the key). */
export function parseClientKey(text: string, source = 'the key'): EsignetClientKey {
  const trimmed = text.trim()
  if (trimmed.length === 0) throw new EsignetSetupError(`${source} is empty`)
  let privateKey: KeyObject
  let kid: string | undefined
  try {
    if (trimmed.includes('-----BEGIN')) {
      privateKey = createPrivateKey(trimmed)
    } else {
      const jwk = jsonObject(trimmed) ?? jsonObject(Buffer.from(trimmed, 'base64').toString('utf8'))
      if (!jwk) {
        throw new EsignetSetupError(
          `${source} is neither base64 of a JWK, a JWK nor a PEM private key`
        )
      }
      if (typeof jwk.d !== 'string') {
        throw new EsignetSetupError(`${source} is a public JWK: the private key is needed`)
      }
      kid = typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : undefined
      privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' })
    }
  } catch (error) {
    if (error instanceof EsignetSetupError) throw error
    throw new EsignetSetupError(`${source} is not a usable private key`, { cause: error })
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new EsignetSetupError(`${source} is not an RSA key (E-Signet clients use RSA keys)`)
  }
  return { privateKey, kid }
}

export type ClientKeyVariable = 'OIDP_CLIENT_PRIVATE_KEY_PATH' | 'OIDP_CLIENT_ENCRYPTION_KEY_PATH'

export function loadClientKeyFile(
  path: string,
  variable: ClientKeyVariable = 'OIDP_CLIENT_PRIVATE_KEY_PATH'
): EsignetClientKey {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = errorCode(error) ?? 'read error'
    throw new EsignetSetupError(`cannot read ${variable} ${path} (${code})`, {
      cause: error
    })
  }
  return parseClientKey(text, `${variable} ${path}`)
}
