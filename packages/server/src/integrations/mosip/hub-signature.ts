import { createHmac, timingSafeEqual } from 'node:crypto'

const ALGORITHMS: Record<string, string> = {
  sha1: 'sha1',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512'
}

/**
 * Checks `X-Hub-Signature: <method>=<hex>` — an HMAC of the exact raw body keyed with
 * `hub.secret` — in constant time. Fails closed on anything unexpected (missing or repeated
 * header, unknown method, malformed hex, no raw body).
 */
export function verifyHubSignature(
  header: string | string[] | undefined,
  rawBody: Buffer | undefined,
  secret: string
): boolean {
  if (typeof header !== 'string' || rawBody === undefined) return false
  const separator = header.indexOf('=')
  if (separator <= 0) return false
  const algorithm = ALGORITHMS[header.slice(0, separator).trim().toLowerCase()]
  const hex = header.slice(separator + 1).trim()
  if (!algorithm || !/^[0-9a-fA-F]+$/.test(hex) || hex.length % 2 !== 0) return false
  const expected = createHmac(algorithm, secret).update(rawBody).digest()
  const received = Buffer.from(hex, 'hex')
  return received.length === expected.length && timingSafeEqual(received, expected)
}
