import { generateKeyPairSync, type KeyObject } from 'node:crypto'

export interface RsaKeyPair {
  privateKey: KeyObject
  publicKey: KeyObject
}

/** Hands out RSA key pairs; each call must return a pair not handed out before in the process. */
export type RsaKeyPairSource = (modulusLength: 2048 | 4096) => RsaKeyPair

/**
 * Global slot a process may fill with a source of ready-made key pairs. Generating RSA keys is
 * most of what starting a simulator costs; the test runner fills this slot with a cache on disk
 * (`@mosip-bridge/test-support`), so that the many simulators a test run starts do not each
 * generate fresh keys. It is a global symbol, not an import, because the simulators import
 * nothing of ours but the contracts.
 */
export const RSA_KEY_PAIR_SOURCE = Symbol.for('mosip-bridge.rsa-key-pair-source')

/** A new RSA key pair: from the registered source when there is one, otherwise generated. */
export function newRsaKeyPair(modulusLength: 2048 | 4096 = 2048): RsaKeyPair {
  const source = (globalThis as Record<symbol, unknown>)[RSA_KEY_PAIR_SOURCE]
  if (typeof source === 'function') return (source as RsaKeyPairSource)(modulusLength)
  return generateKeyPairSync('rsa', { modulusLength })
}
