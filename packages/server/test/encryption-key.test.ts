import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveEncryptionKey } from '../src/store/encryption-key.js'

describe('data encryption key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-key-'))

  it('uses DATA_ENCRYPTION_KEY when configured, without touching the file', () => {
    const key = Buffer.alloc(32, 1)
    const file = join(dir, 'unused.key')
    assert.deepEqual(resolveEncryptionKey(key, file), { key, source: 'environment' })
    assert.throws(() => statSync(file))
  })

  it('generates a key file on first start (owner-only) and reuses it after', () => {
    const file = join(dir, 'nested', 'bridge.key')
    const first = resolveEncryptionKey(undefined, file)
    assert.equal(first.source, 'generated')
    assert.equal(first.key.length, 32)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.equal(readFileSync(file, 'utf8').trim(), first.key.toString('hex'))
    const second = resolveEncryptionKey(undefined, file)
    assert.equal(second.source, 'file')
    assert.ok(second.key.equals(first.key))
  })

  it('refuses a key file that does not hold a key', () => {
    const file = join(dir, 'broken.key')
    writeFileSync(file, 'not a key')
    assert.throws(() => resolveEncryptionKey(undefined, file), /does not hold a 32-byte key/)
  })
})
