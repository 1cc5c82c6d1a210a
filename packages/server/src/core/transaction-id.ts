import { randomInt } from 'node:crypto'

/**
 * Our transaction id, which is also the MOSIP registration id: the configured numeric prefix
 * followed by 10 digits from a cryptographic random source (unguessable, unlike a counter or
 * Math.random).
 */
export function newTransactionId(prefix: string): string {
  const high = randomInt(0, 100_000)
  const low = randomInt(0, 100_000)
  return `${prefix}${String(high).padStart(5, '0')}${String(low).padStart(5, '0')}`
}
