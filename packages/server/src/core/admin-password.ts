import {
  randomBytes,
  scrypt,
  timingSafeEqual,
  type BinaryLike,
  type ScryptOptions
} from 'node:crypto'

/**
 * The operator password's stored form, `ADMIN_PASSWORD_HASH`: a self-describing string
 * `scrypt$N$r$p$<salt>$<hash>` — scrypt's cost N (a power of two), block size r and
 * parallelism p, then the salt and the derived key in unpadded base64url. scrypt is node's own
 * (node:crypto), so no native module is needed; only the string format is written here.
 */
export interface PasswordHash {
  N: number
  r: number
  p: number
  salt: Uint8Array
  hash: Uint8Array
}

const FORMAT =
  /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/

/** Parameters of new hashes: N = 2^15 (about 32 MiB and 50–100 ms per check), r = 8, p = 1. */
export const NEW_HASH_PARAMETERS = { N: 32_768, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const

export function parsePasswordHash(value: string): PasswordHash | undefined {
  const match = FORMAT.exec(value)
  if (!match) return undefined
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])]
  // N a power of two from 2^10 to 2^20, as scrypt requires and memory allows.
  if (N < 1024 || N > 1_048_576 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) {
    return undefined
  }
  return {
    N,
    r,
    p,
    salt: Buffer.from(match[4]!, 'base64url'),
    hash: Buffer.from(match[5]!, 'base64url')
  }
}

export function formatPasswordHash(hash: PasswordHash): string {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
  return `scrypt$${hash.N}$${hash.r}$${hash.p}$${b64(hash.salt)}$${b64(hash.hash)}`
}

function derive(password: BinaryLike, salt: Uint8Array, keyBytes: number, options: ScryptOptions) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, keyBytes, options, (error, key) =>
      error ? reject(error) : resolve(key)
    )
  )
}

const scryptOptions = ({ N, r, p }: { N: number; r: number; p: number }): ScryptOptions => ({
  N,
  r,
  p,
  // scrypt needs 128·N·r bytes; node's default ceiling (32 MiB) is just too low for N = 2^15.
  maxmem: 256 * N * r + 1024 * 1024
})

/** A new `ADMIN_PASSWORD_HASH` value for `password`, with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const { saltBytes, keyBytes, ...cost } = NEW_HASH_PARAMETERS
  const salt = randomBytes(saltBytes)
  const hash = await derive(password.normalize('NFC'), salt, keyBytes, scryptOptions(cost))
  return formatPasswordHash({ ...cost, salt, hash })
}

/** Whether `password` is the one `stored` was made from (compared in constant time). */
export async function verifyPassword(stored: PasswordHash, password: string): Promise<boolean> {
  const key = await derive(
    password.normalize('NFC'),
    stored.salt,
    stored.hash.length,
    scryptOptions(stored)
  )
  return timingSafeEqual(key, stored.hash)
}
