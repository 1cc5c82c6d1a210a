import { describe, it, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicKey, type KeyObject } from 'node:crypto'
import { cachedKeySource } from '../src/rsa-key-cache.js'

const der = (key: KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('base64')

describe('RSA key cache for test runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rsa-key-cache-test-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('hands out distinct keys within a process and the same n-th key to the next one', () => {
    const first = cachedKeySource(dir)
    const a = first(2048)
    const b = first(2048)
    assert.notEqual(der(a.publicKey), der(b.publicKey), 'a second key is another key')
    assert.equal(
      der(a.publicKey),
      der(createPublicKey(a.privateKey)),
      'the public key belongs to the private one'
    )
    assert.deepEqual(readdirSync(dir).sort(), ['rsa-2048-0.pem', 'rsa-2048-1.pem'])

    const second = cachedKeySource(dir)
    assert.equal(der(second(2048).publicKey), der(a.publicKey), 'read back, not generated again')
    assert.equal(der(second(2048).publicKey), der(b.publicKey))
    assert.equal(second(2048).publicKey.asymmetricKeyDetails?.modulusLength, 2048)
  })
})
