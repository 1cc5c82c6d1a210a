/**
 * Reading a JWT's expiry without verifying it: for tokens the bridge already verified (to store
 * `token_expires_at`) or received from OpenCRVS's own auth service (to know how long to cache).
 */
import { decodeJwt } from 'jose'

/** The `exp` of a JWT as epoch milliseconds; undefined when absent or not a JWT. Decodes only. */
export function decodeExpiry(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token)
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined
  } catch {
    return undefined
  }
}
