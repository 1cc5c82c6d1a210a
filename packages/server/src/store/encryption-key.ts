import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { errorCode } from '../core/error-code.js'

class EncryptionKeyError extends Error {
  readonly code = 'ENCRYPTION_KEY_UNUSABLE'
}

interface ResolvedKey {
  key: Buffer
  source: 'environment' | 'file' | 'generated'
}

function decode(text: string): Buffer | undefined {
  const trimmed = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex')
  const buffer = Buffer.from(trimmed, 'base64')
  return buffer.length === 32 ? buffer : undefined
}

/**
 * The key that seals secret columns. DATA_ENCRYPTION_KEY wins; without it the key lives in
 * `keyFile`, created on first start (32 random bytes, hex, readable by the owner only) so that a
 * deployment configured only with mosip-api's variables starts and keeps its data readable
 * across restarts. Losing that file makes sealed tokens and payloads unreadable.
 */
export function resolveEncryptionKey(configured: Buffer | undefined, keyFile: string): ResolvedKey {
  if (configured) return { key: configured, source: 'environment' }
  if (existsSync(keyFile)) {
    const key = decode(readFileSync(keyFile, 'utf8'))
    if (!key) {
      throw new EncryptionKeyError(`${keyFile} does not hold a 32-byte key (64 hex characters)`)
    }
    return { key, source: 'file' }
  }
  const key = randomBytes(32)
  mkdirSync(dirname(keyFile), { recursive: true })
  // 'wx': never overwrite a key another instance wrote in the meantime.
  try {
    writeFileSync(keyFile, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return resolveEncryptionKey(undefined, keyFile)
    throw new EncryptionKeyError(`cannot write the data encryption key to ${keyFile}`, {
      cause: error
    })
  }
  chmodSync(keyFile, 0o600)
  return { key, source: 'generated' }
}
