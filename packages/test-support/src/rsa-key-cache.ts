import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  type KeyObject
} from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A cache of RSA key pairs on disk for test runs. Generating RSA keys costs more CPU than most
 * tests themselves (a 2048-bit key ~0.1 s, a 4096-bit key up to seconds), and every test file
 * runs in its own process starting its own simulators. The n-th key of a size asked for in a
 * process is the n-th key file of that size: keys stay distinct within a process (a test that
 * needs "another key" gets one), and only the first process to need key n generates it.
 *
 * The simulators take keys from the slot `Symbol.for('mosip-bridge.rsa-key-pair-source')`;
 * `installRsaKeyCache` fills it. Test keys only: the files are plain PKCS#8 PEM.
 */

interface RsaKeyPair {
  privateKey: KeyObject
  publicKey: KeyObject
}

const SOURCE_SLOT = Symbol.for('mosip-bridge.rsa-key-pair-source')
const DEFAULT_DIR = join(tmpdir(), 'mosip-bridge-test-rsa-keys')

/** A key source over the cache in `dir`, with its own count of keys handed out. */
export function cachedKeySource(dir: string): (modulusLength: 2048 | 4096) => RsaKeyPair {
  const handedOut = new Map<number, number>()
  mkdirSync(dir, { recursive: true })
  return (modulusLength) => {
    const index = handedOut.get(modulusLength) ?? 0
    handedOut.set(modulusLength, index + 1)
    const file = join(dir, `rsa-${modulusLength}-${index}.pem`)
    let pem: string
    try {
      pem = readFileSync(file, 'utf8')
    } catch {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength })
      pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
      // Written aside and renamed: a concurrent reader sees a whole file or none.
      const partial = `${file}.${randomUUID()}`
      writeFileSync(partial, pem, { mode: 0o600 })
      renameSync(partial, file)
    }
    const privateKey = createPrivateKey(pem)
    return { privateKey, publicKey: createPublicKey(privateKey) }
  }
}

/** Makes this process's simulators (and `testRsaKeyPair`) take keys from the cache in `dir`. */
export function installRsaKeyCache(dir = DEFAULT_DIR): void {
  ;(globalThis as Record<symbol, unknown>)[SOURCE_SLOT] ??= cachedKeySource(dir)
}

/** A key pair for a test: from the installed cache, or freshly generated without one. */
export function testRsaKeyPair(modulusLength: 2048 | 4096 = 2048): RsaKeyPair {
  const source = (globalThis as Record<symbol, unknown>)[SOURCE_SLOT]
  if (typeof source === 'function') {
    return (source as (bits: 2048 | 4096) => RsaKeyPair)(modulusLength)
  }
  return generateKeyPairSync('rsa', { modulusLength })
}
