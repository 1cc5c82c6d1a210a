import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash, createPublicKey, type KeyObject } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeystoreError, loadPkcs12, loadPkcs12File } from '../src/integrations/mosip/pkcs12.js'
import {
  certify,
  createPartner,
  mosipSignedCopy,
  toKeystore,
  type Partner
} from './fixtures/credentials/mosip-partner.js'

const PASSWORD = 'S3cret-Keystore-Pass!'
const sha256 = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest()
const spki = (key: KeyObject): Buffer =>
  createPublicKey(key).export({ type: 'spki', format: 'der' })

/** Runs a CLI tool: `words` split on spaces, then `more` as they are (paths, passwords). */
function tool(command: string, words: string, ...more: string[]): Buffer {
  return execFileSync(command, [...words.split(' '), ...more], {
    stdio: ['ignore', 'pipe', 'ignore']
  })
}

function hasCommand(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Asserts a KeystoreError with `code` whose message does not reveal the password. */
function assertKeystoreError(run: () => unknown, code: string, password = PASSWORD): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof KeystoreError, `expected KeystoreError, got ${String(error)}`)
    assert.equal(error.code, code, error.message)
    assert.ok(!error.message.includes(password), 'the message must not contain the password')
    return true
  })
}

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

  describe(
    'keystores made by the openssl CLI',
    { skip: !hasCommand('openssl', ['version']) },
    () => {
      let keyPem: string
      let certPem: string
      let certDer: Buffer

      before(() => {
        keyPem = join(dir, 'openssl-key.pem')
        certPem = join(dir, 'openssl-cert.pem')
        tool(
          'openssl',
          'req -x509 -newkey rsa:2048 -nodes -subj /CN=crvs_partner -days 2',
          ...['-keyout', keyPem, '-out', certPem]
        )
        certDer = tool('openssl', 'x509 -outform DER -in', certPem)
      })

      const variants: Array<{ name: string; password: string; args: string[] }> = [
        { name: 'default profile (PBES2 AES-256, SHA-256 MAC)', password: 'mosip123', args: [] },
        {
          name: '3DES bags with a SHA-1 MAC',
          password: 'mosip123',
          args: ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']
        },
        { name: 'a non-ASCII password', password: 'pässwörd-ü', args: [] },
        { name: 'an empty password', password: '', args: [] }
      ]
      for (const variant of variants) {
        it(`opens ${variant.name}; the thumbprint is SHA-256 of openssl's DER`, () => {
          const out = join(dir, `openssl-${variants.indexOf(variant)}.p12`)
          tool(
            'openssl',
            'pkcs12 -export',
            ...['-inkey', keyPem, '-in', certPem, '-out', out],
            ...['-passout', `pass:${variant.password}`, ...variant.args]
          )
          const loaded = loadPkcs12(readFileSync(out), variant.password)
          assert.deepEqual(loaded.certificateDer, certDer)
          assert.deepEqual(loaded.thumbprint, sha256(certDer))
          assert.deepEqual(
            spki(loaded.privateKey),
            createPublicKey(readFileSync(certPem)).export({ type: 'spki', format: 'der' })
          )
          if (variant.password !== '') {
            assertKeystoreError(
              () => loadPkcs12(readFileSync(out), 'wrong-password'),
              'KEYSTORE_PASSWORD_WRONG'
            )
          }
        })
      }
    }
  )

  describe('keystores made by Java keytool', { skip: !hasCommand('keytool', ['-help']) }, () => {
    for (const legacy of [false, true]) {
      const profile = legacy ? 'legacy (3DES, RC2-40, SHA-1 MAC)' : 'default (PBES2 AES-256)'
      it(`opens a ${profile} keystore; the thumbprint is SHA-256 of keytool's DER`, () => {
        const out = join(dir, `keytool-${legacy}.p12`)
        const flags = legacy ? ['-J-Dkeystore.pkcs12.legacy'] : []
        tool(
          'keytool',
          [
            ...flags,
            '-genkeypair -alias partner -keyalg RSA -keysize 2048 -dname CN=crvs_partner',
            '-validity 2 -storetype PKCS12 -storepass mosip123 -keypass mosip123'
          ].join(' '),
          ...['-keystore', out]
        )
        const certDer = tool(
          'keytool',
          '-exportcert -alias partner -storepass mosip123 -keystore',
          out
        )
        const loaded = loadPkcs12(readFileSync(out), 'mosip123')
        assert.deepEqual(loaded.certificateDer, certDer)
        assert.deepEqual(loaded.thumbprint, sha256(certDer))
        assertKeystoreError(
          () => loadPkcs12(readFileSync(out), 'mosip124'),
          'KEYSTORE_PASSWORD_WRONG',
          'mosip124'
        )
      })
    }
  })
})
