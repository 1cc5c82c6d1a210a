import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { RSA_KEY_PAIR_SOURCE, newRsaKeyPair } from '../src/shared/rsa-key-pair.js'

describe('simulator key pairs', () => {
  it('come from a registered source when there is one, and are generated otherwise', () => {
    const slot = globalThis as Record<symbol, unknown>
    const registered = slot[RSA_KEY_PAIR_SOURCE]
    const ready = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const asked: number[] = []
    try {
      slot[RSA_KEY_PAIR_SOURCE] = (bits: number) => {
        asked.push(bits)
        return ready
      }
      assert.equal(newRsaKeyPair(4096), ready)
      assert.deepEqual(asked, [4096])
      delete slot[RSA_KEY_PAIR_SOURCE]
      const generated = newRsaKeyPair()
      assert.notEqual(generated, ready)
      assert.equal(generated.privateKey.asymmetricKeyDetails?.modulusLength, 2048)
    } finally {
      slot[RSA_KEY_PAIR_SOURCE] = registered
    }
  })
})
