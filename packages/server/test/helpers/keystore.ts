import assert from 'node:assert/strict'
import { createHash, createPublicKey, type KeyObject } from 'node:crypto'
import { KeystoreError } from '../../src/integrations/mosip/pkcs12.js'

export const PASSWORD = 'S3cret-Keystore-Pass!'

export const sha256 = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest()

/** The SubjectPublicKeyInfo DER of a key, to compare keys. */
export const spki = (key: KeyObject): Buffer =>
  createPublicKey(key).export({ type: 'spki', format: 'der' })

/** Asserts a KeystoreError with `code` whose message does not reveal the password. */
export function assertKeystoreError(run: () => unknown, code: string, password = PASSWORD): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof KeystoreError, `expected KeystoreError, got ${String(error)}`)
    assert.equal(error.code, code, error.message)
    assert.ok(!error.message.includes(password), 'the message must not contain the password')
    return true
  })
}
