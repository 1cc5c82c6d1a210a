/**
 * PKCS#12 keystores made by the tools partners use (the openssl CLI, Java keytool), run as
 * child processes; each suite is skipped where its tool is not installed.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createPublicKey } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPkcs12 } from '../src/integrations/mosip/pkcs12.js'
import { assertKeystoreError, sha256, spki } from './helpers/keystore.js'

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

describe('PKCS#12 keystores made by other tools', () => {
  let dir: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pkcs12-tools-test-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

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
