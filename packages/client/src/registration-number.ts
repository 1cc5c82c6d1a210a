import { randomInt } from 'node:crypto'
import type { OpencrvsEventDocument } from '@mosip-bridge/contracts'

/**
 * Registration numbers. The number is made before the record goes to MOSIP: it travels as the
 * birth or death certificate number, the bridge keeps it, and OpenCRVS gets it back when the
 * registration is confirmed (or at once when the record does not go to MOSIP).
 */

/** A country's rule; may be asynchronous (e.g. a sequence in its own database). */
export type RegistrationNumberGenerator = (event: OpencrvsEventDocument) => string | Promise<string>

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/**
 * The reference country configuration's format: 12 characters from `0-9A-Z`, from a
 * cryptographically secure source (e.g. `PD9TL0RL12RO`).
 */
export function generateRegistrationNumber(length = 12): string {
  let text = ''
  for (let i = 0; i < length; i++) text += ALPHABET.charAt(randomInt(ALPHABET.length))
  return text
}
