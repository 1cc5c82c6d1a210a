import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPkcs12, loadPkcs12File } from '../src/integrations/mosip/pkcs12.js'
import {
  certify,
  createPartner,
  mosipSignedCopy,
  toKeystore,
  type Partner
} from './fixtures/credentials/mosip-partner.js'
import { PASSWORD, assertKeystoreError, sha256, spki } from './helpers/keystore.js'

describe('PKCS#12 keystore loading', () => {
  let partner: Partner
  let dir: string

  before(() => {
    partner = createPartner(2048)
    dir = mkdtempSync(join(tmpdir(), 'pkcs12-test-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  for (const algorithm of ['aes256', '3des'] as const) {
    it(`opens a node-forge keystore encrypted with ${algorithm}`, () => {
      const loaded = loadPkcs12(toKeystore(partner, PASSWORD, { algorithm }), PASSWORD)
      assert.equal(loaded.privateKey.type, 'private')
      assert.equal(loaded.privateKey.asymmetricKeyType, 'rsa')
      assert.deepEqual(spki(loaded.privateKey), spki(partner.privateKey))
      assert.deepEqual(loaded.certificateDer, partner.certificateDer)
      assert.deepEqual(loaded.thumbprint, partner.thumbprint)
      assert.deepEqual(loaded.thumbprints, [partner.thumbprint])
    })

    it(`refuses a wrong password (${algorithm}) without echoing it`, () => {
      const keystore = toKeystore(partner, PASSWORD, { algorithm })
      assertKeystoreError(() => loadPkcs12(keystore, 'not-the-password'), 'KEYSTORE_PASSWORD_WRONG')
      assertKeystoreError(
        () => loadPkcs12(keystore, 'not-the-password'),
        'KEYSTORE_PASSWORD_WRONG',
        'not-the-password'
      )
    })
  }

  it('tells a wrong password even when the keystore has no MAC', () => {
    const keystore = toKeystore(partner, PASSWORD, { useMac: false })
    assert.deepEqual(loadPkcs12(keystore, PASSWORD).thumbprint, partner.thumbprint)
    assertKeystoreError(() => loadPkcs12(keystore, 'wrong'), 'KEYSTORE_PASSWORD_WRONG')
  })

  it('reports a keystore without a private key', () => {
    const keystore = toKeystore(partner, PASSWORD, { withKey: false })
    assertKeystoreError(() => loadPkcs12(keystore, PASSWORD), 'KEYSTORE_NO_KEY')
  })

  it('loads a key without certificate, with no thumbprint', () => {
    const loaded = loadPkcs12(toKeystore(partner, PASSWORD, { certs: [] }), PASSWORD)
    assert.deepEqual(spki(loaded.privateKey), spki(partner.privateKey))
    assert.equal(loaded.certificateDer, undefined)
    assert.equal(loaded.thumbprint, undefined)
    assert.deepEqual(loaded.thumbprints, [])
  })

  it("picks the key's own certificate out of a chain, whatever the order", () => {
    const ca = createPartner(2048, 'Partner CA')
    const leaf = certify(partner.publicKey, 'crvs_partner', {
      key: ca.forgeKey,
      cert: ca.forgeCert
    })
    const loaded = loadPkcs12(
      toKeystore(partner, PASSWORD, { certs: [ca.forgeCert, leaf] }),
      PASSWORD
    )
    const leafDer = loaded.certificateDer
    assert.ok(leafDer)
    assert.notDeepEqual(leafDer, ca.certificateDer)
    assert.deepEqual(loaded.thumbprints, [sha256(leafDer)])
  })

  it('lists every certificate of the key (partner certificate and MOSIP-signed copy)', async () => {
    const copy = mosipSignedCopy(partner)
    const forge = (await import('node-forge')).default
    const copyCert = forge.pki.certificateFromAsn1(
      forge.asn1.fromDer(forge.util.createBuffer(copy.der.toString('binary')))
    )
    const loaded = loadPkcs12(
      toKeystore(partner, PASSWORD, { certs: [partner.forgeCert, copyCert] }),
      PASSWORD
    )
    assert.deepEqual(loaded.thumbprint, partner.thumbprint, 'the localKeyId-paired one first')
    assert.deepEqual(loaded.thumbprints, [partner.thumbprint, copy.thumbprint])
  })

  it('accepts the keystore as base64 text', () => {
    const text = Buffer.from(toKeystore(partner, PASSWORD).toString('base64') + '\n')
    assert.deepEqual(loadPkcs12(text, PASSWORD).thumbprint, partner.thumbprint)
  })

  it('refuses what is not a PKCS#12 keystore', () => {
    assertKeystoreError(() => loadPkcs12(Buffer.alloc(0), PASSWORD), 'KEYSTORE_UNREADABLE')
    assertKeystoreError(
      () => loadPkcs12(Buffer.from('definitely not a keystore'), PASSWORD),
      'KEYSTORE_UNREADABLE'
    )
    assertKeystoreError(
      () => loadPkcs12(Buffer.from([0x30, 0x82, 0xff, 0xff, 0x01]), PASSWORD),
      'KEYSTORE_UNREADABLE'
    )
    // valid DER, but a certificate
    assertKeystoreError(() => loadPkcs12(partner.certificateDer, PASSWORD), 'KEYSTORE_UNREADABLE')
    // a PEM private key instead of a keystore
    const pem = Buffer.from(partner.privateKey.export({ type: 'pkcs8', format: 'pem' }))
    assertKeystoreError(() => loadPkcs12(pem, PASSWORD), 'KEYSTORE_UNREADABLE')
  })

  it('reads a keystore file, and names a missing file by path', () => {
    const path = join(dir, 'keystore.p12')
    writeFileSync(path, toKeystore(partner, PASSWORD))
    assert.deepEqual(loadPkcs12File(path, PASSWORD).thumbprint, partner.thumbprint)
    const missing = join(dir, 'missing.p12')
    assertKeystoreError(() => loadPkcs12File(missing, PASSWORD), 'KEYSTORE_UNREADABLE')
    assert.throws(() => loadPkcs12File(missing, PASSWORD), /missing\.p12 \(ENOENT\)/)
  })
})
