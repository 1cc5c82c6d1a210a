import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Outcome } from '../src/core/outcome.js'
import type { IssuedCredential } from '../src/core/ports.js'
import {
  CREDENTIAL_DECRYPT_FAILED,
  CREDENTIAL_MALFORMED,
  CREDENTIAL_NOT_JSON,
  CREDENTIAL_NOT_VC,
  CREDENTIAL_WRONG_RECIPIENT,
  MosipCredentialDecryptor,
  decodeBase64Text
} from '../src/integrations/mosip/credential-decryptor.js'
import { KeystoreError } from '../src/integrations/mosip/pkcs12.js'
import {
  createPartner,
  encryptForPartner,
  mosipSignedCopy,
  toKeystore,
  verifiableCredential,
  type Partner
} from './fixtures/credentials/mosip-partner.js'

const RID = '100014728301957'
const vcJson = (rid = RID, subject?: Record<string, unknown>): string =>
  JSON.stringify(verifiableCredential(rid, subject))

function expectOk(outcome: Outcome<IssuedCredential>): IssuedCredential {
  assert.equal(
    outcome.kind,
    'ok',
    outcome.kind === 'ok' ? '' : `${outcome.code}: ${outcome.reason}`
  )
  return (outcome as { value: IssuedCredential }).value
}

/** A permanent failure with `code`, whose reason quotes none of `secrets`. */
function expectPermanent(outcome: Outcome<unknown>, code: string, ...secrets: string[]): string {
  assert.equal(outcome.kind, 'permanent', JSON.stringify(outcome))
  const failure = outcome as { code: string; reason: string }
  assert.equal(failure.code, code, failure.reason)
  for (const secret of secrets) assert.ok(!failure.reason.includes(secret), failure.reason)
  return failure.reason
}

function flipByte(credential: string, offsetFromEnd: number): string {
  const bytes = Buffer.from(credential, 'base64url')
  const at = bytes.length - offsetFromEnd
  bytes[at] = bytes[at]! ^ 0x01
  return bytes.toString('base64url')
}

describe('MOSIP credential decryptor', () => {
  let partner: Partner
  let partner4096: Partner
  let stranger: Partner
  let decryptor: MosipCredentialDecryptor
  let decryptor4096: MosipCredentialDecryptor
  let dir: string

  before(() => {
    partner = createPartner(2048)
    partner4096 = createPartner(4096)
    stranger = createPartner(2048, 'someone_else')
    decryptor = new MosipCredentialDecryptor({
      privateKey: partner.privateKey,
      thumbprint: partner.thumbprint
    })
    decryptor4096 = new MosipCredentialDecryptor({
      privateKey: partner4096.privateKey,
      thumbprint: partner4096.thumbprint
    })
    dir = mkdtempSync(join(tmpdir(), 'credential-test-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  describe('round trips', () => {
    it('opens an RSA-2048 credential and finds the registration id and claims', () => {
      const value = expectOk(decryptor.decryptNow(encryptForPartner(vcJson(), partner)))
      assert.equal(value.subjectRegistrationId, RID)
      assert.equal(value.subject.UIN, '7346597054')
      assert.equal(value.subject.VID, '4789512360')
      assert.equal(value.subject.vcVer, 'VC-V1')
    })

    it('opens an RSA-4096 credential (512-byte key block, as in the real Collab sample)', () => {
      const credential = encryptForPartner(vcJson(), partner4096)
      const bytes = Buffer.from(credential, 'base64url')
      assert.equal(bytes.indexOf('#KEY_SPLITTER#'), 6 + 32 + 512)
      assert.equal(expectOk(decryptor4096.decryptNow(credential)).subjectRegistrationId, RID)
    })

    for (const encoding of [
      'base64url',
      'base64url-padded',
      'base64',
      'base64-unpadded'
    ] as const) {
      it(`accepts ${encoding} text`, () => {
        const credential = encryptForPartner(vcJson(), partner, { encoding })
        if (encoding === 'base64') assert.match(credential, /[+/=]/)
        assert.equal(expectOk(decryptor.decryptNow(credential)).subjectRegistrationId, RID)
      })
    }

    it('accepts base64 broken into lines', () => {
      const credential = encryptForPartner(vcJson(), partner, { encoding: 'base64' })
      const wrapped = credential.replace(/.{76}/g, '$&\r\n')
      assert.equal(expectOk(decryptor.decryptNow(wrapped)).subjectRegistrationId, RID)
    })

    it('splits at the first #KEY_SPLITTER#: the data part may contain the same bytes', () => {
      const aad = Buffer.concat([Buffer.from('#KEY_SPLITTER#', 'latin1'), randomBytes(18)])
      const credential = encryptForPartner(vcJson(), partner, { aad })
      const bytes = Buffer.from(credential, 'base64url')
      const first = bytes.indexOf('#KEY_SPLITTER#')
      assert.ok(bytes.indexOf('#KEY_SPLITTER#', first + 1) > first, 'the splitter occurs twice')
      assert.equal(expectOk(decryptor.decryptNow(credential)).subjectRegistrationId, RID)
    })

    it('takes a plaintext that is base64url of the VC JSON', () => {
      const credential = encryptForPartner(Buffer.from(vcJson()).toString('base64url'), partner)
      assert.equal(expectOk(decryptor.decryptNow(credential)).subjectRegistrationId, RID)
    })

    it('takes a key part without VER_R2 (thumbprint and AAD-prefixed data as usual)', () => {
      const credential = encryptForPartner(vcJson(), partner, { version: false })
      assert.equal(expectOk(decryptor.decryptNow(credential)).subjectRegistrationId, RID)
    })

    it("takes keymanager's older layout: no VER_R2, no thumbprint, ciphertext ‖ tag ‖ IV", () => {
      const credential = encryptForPartner(vcJson(), partner, {
        version: false,
        thumbprint: false,
        layout: 'iv-suffix'
      })
      assert.equal(expectOk(decryptor.decryptNow(credential)).subjectRegistrationId, RID)
    })

    it('takes an AES-128 session key', () => {
      const credential = encryptForPartner(vcJson(), partner, { keyBytes: 16 })
      assert.equal(expectOk(decryptor.decryptNow(credential)).subjectRegistrationId, RID)
    })

    it('loads its key from the PKCS#12 keystore once, via fromKeystoreFile', () => {
      const path = join(dir, 'keystore.p12')
      writeFileSync(path, toKeystore(partner4096, 'mosip123'))
      const fromFile = MosipCredentialDecryptor.fromKeystoreFile(path, 'mosip123')
      assert.deepEqual(fromFile.describe(), {
        keyBits: 4096,
        thumbprints: [partner4096.thumbprint.toString('hex')],
        checkThumbprint: true
      })
      const value = expectOk(fromFile.decryptNow(encryptForPartner(vcJson(), partner4096)))
      assert.equal(value.subjectRegistrationId, RID)
      assert.throws(
        () => MosipCredentialDecryptor.fromKeystoreFile(path, 'wrong'),
        (error: unknown) =>
          error instanceof KeystoreError && error.code === 'KEYSTORE_PASSWORD_WRONG'
      )
    })

    it('decrypts credentials in bulk (200), each with its own registration id', (t) => {
      const credentials = Array.from({ length: 200 }, (_, i) => {
        const rid = `10001${String(i).padStart(10, '0')}`
        return { rid, credential: encryptForPartner(vcJson(rid), partner) }
      })
      const started = process.hrtime.bigint()
      const found = credentials.map(({ credential }) => decryptor.decryptNow(credential))
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      found.forEach((outcome, i) => {
        assert.equal(expectOk(outcome).subjectRegistrationId, credentials[i]!.rid)
      })
      // a figure for the reader, not an assertion (conventions: no timed tests)
      t.diagnostic(
        `RSA-2048: 200 credentials in ${ms.toFixed(1)} ms (${Math.round(200_000 / ms)}/s)`
      )
      const big = Array.from({ length: 20 }, () => encryptForPartner(vcJson(), partner4096))
      const started4096 = process.hrtime.bigint()
      for (const credential of big) expectOk(decryptor4096.decryptNow(credential))
      const ms4096 = Number(process.hrtime.bigint() - started4096) / 1e6
      t.diagnostic(
        `RSA-4096: 20 credentials in ${ms4096.toFixed(1)} ms (${Math.round(20_000 / ms4096)}/s)`
      )
    })
  })

  describe('recipient check', () => {
    it("refuses a credential for another partner's certificate", () => {
      const credential = encryptForPartner(vcJson(), stranger)
      const reason = expectPermanent(decryptor.decryptNow(credential), CREDENTIAL_WRONG_RECIPIENT)
      assert.ok(reason.includes(stranger.thumbprint.toString('hex')), reason)
      assert.ok(reason.includes(partner.thumbprint.toString('hex')), reason)
    })

    it('with the check off, the same credential fails at RSA', () => {
      const unchecked = new MosipCredentialDecryptor({
        privateKey: partner.privateKey,
        thumbprint: partner.thumbprint,
        checkThumbprint: false
      })
      expectPermanent(
        unchecked.decryptNow(encryptForPartner(vcJson(), stranger)),
        CREDENTIAL_DECRYPT_FAILED
      )
    })

    it('refuses a credential for a key of another size', () => {
      const credential = encryptForPartner(vcJson(), partner4096)
      expectPermanent(decryptor.decryptNow(credential), CREDENTIAL_WRONG_RECIPIENT)
      const unchecked = new MosipCredentialDecryptor({ privateKey: partner.privateKey })
      const reason = expectPermanent(unchecked.decryptNow(credential), CREDENTIAL_MALFORMED)
      assert.match(reason, /544 bytes; our 2048-bit key needs 256/)
    })

    it('refuses a credential with our thumbprint but another key', () => {
      const credential = encryptForPartner(vcJson(), {
        publicKey: stranger.publicKey,
        thumbprint: partner.thumbprint
      })
      expectPermanent(decryptor.decryptNow(credential), CREDENTIAL_DECRYPT_FAILED)
    })

    it("explains a MOSIP-signed copy of our certificate, and accepts it once it's known", () => {
      const copy = mosipSignedCopy(partner)
      const credential = encryptForPartner(vcJson(), { publicKey: partner.publicKey, ...copy })
      const reason = expectPermanent(decryptor.decryptNow(credential), CREDENTIAL_WRONG_RECIPIENT)
      assert.match(reason, /yet our key opens it/)
      const both = new MosipCredentialDecryptor({
        privateKey: partner.privateKey,
        thumbprint: [partner.thumbprint, copy.thumbprint]
      })
      assert.equal(expectOk(both.decryptNow(credential)).subjectRegistrationId, RID)
    })

    it('without a known thumbprint the check is off by default', () => {
      const bare = new MosipCredentialDecryptor({ privateKey: partner.privateKey })
      assert.equal(bare.describe().checkThumbprint, false)
      const credential = encryptForPartner(vcJson(), partner)
      assert.equal(expectOk(bare.decryptNow(credential)).subjectRegistrationId, RID)
    })
  })

  describe('on the thread pool (decrypt)', () => {
    it("opens the session key with WebCrypto's RSA-OAEP, which runs on the thread pool", async (t) => {
      const subtleDecrypt = t.mock.method(webcrypto.subtle, 'decrypt')
      const fresh = new MosipCredentialDecryptor({
        privateKey: partner.privateKey,
        thumbprint: partner.thumbprint
      })
      const credential = encryptForPartner(vcJson(), partner)
      assert.equal(expectOk(await fresh.decrypt(credential)).subjectRegistrationId, RID)
      assert.equal(subtleDecrypt.mock.callCount(), 1)
      assert.equal(
        (subtleDecrypt.mock.calls[0]?.arguments[0] as { name?: string } | undefined)?.name,
        'RSA-OAEP'
      )
      fresh.decryptNow(credential)
      assert.equal(subtleDecrypt.mock.callCount(), 1, 'decrypting in place does not')
    })

    it('gives what decrypting in place gives, for 2048- and 4096-bit keys', async () => {
      for (const [own, who] of [
        [decryptor, partner],
        [decryptor4096, partner4096]
      ] as const) {
        const credential = encryptForPartner(vcJson(), who)
        assert.deepEqual(
          expectOk(await own.decrypt(credential)),
          expectOk(own.decryptNow(credential))
        )
      }
    })

    it('decrypts in place where WebCrypto cannot take the key', async (t) => {
      const importKey = t.mock.method(webcrypto.subtle, 'importKey', () =>
        Promise.reject(new Error('unsupported key'))
      )
      const fresh = new MosipCredentialDecryptor({
        privateKey: partner.privateKey,
        thumbprint: partner.thumbprint
      })
      const credential = encryptForPartner(vcJson(), partner)
      assert.equal(expectOk(await fresh.decrypt(credential)).subjectRegistrationId, RID)
      assert.equal(importKey.mock.callCount(), 1)
    })

    it('refuses what decrypting in place refuses, with the same codes', async () => {
      const credential = encryptForPartner(vcJson(), partner)
      const bytes = Buffer.from(credential, 'base64url')
      const dataAt = bytes.indexOf('#KEY_SPLITTER#') + 14
      const cases: Array<[string, string]> = [
        [flipByte(credential, bytes.length - dataAt - 20), CREDENTIAL_DECRYPT_FAILED],
        [flipByte(credential, 1), CREDENTIAL_DECRYPT_FAILED],
        [encryptForPartner(vcJson(), stranger), CREDENTIAL_WRONG_RECIPIENT],
        ['not a credential', CREDENTIAL_MALFORMED]
      ]
      for (const [text, code] of cases) {
        expectPermanent(await decryptor.decrypt(text), code)
        expectPermanent(decryptor.decryptNow(text), code)
      }
    })
  })

  describe('refusals', () => {
    const PERSONAL = 'Zanele-Mthembu-Unique-Name'

    it('refuses altered ciphertext, tag, AAD or key block', () => {
      const credential = encryptForPartner(vcJson(), partner)
      expectPermanent(decryptor.decryptNow(flipByte(credential, 1)), CREDENTIAL_DECRYPT_FAILED)
      expectPermanent(decryptor.decryptNow(flipByte(credential, 20)), CREDENTIAL_DECRYPT_FAILED)
      const bytes = Buffer.from(credential, 'base64url')
      const dataAt = bytes.indexOf('#KEY_SPLITTER#') + 14
      expectPermanent(
        decryptor.decryptNow(flipByte(credential, bytes.length - dataAt - 20)),
        CREDENTIAL_DECRYPT_FAILED
      )
      expectPermanent(
        decryptor.decryptNow(flipByte(credential, bytes.length - 100)),
        CREDENTIAL_DECRYPT_FAILED
      )
    })

    it('refuses garbage as malformed, quoting nothing of it', () => {
      const cases = [
        '',
        '   ',
        'not base64 at all!',
        `${PERSONAL}`,
        'QUJD=', // bad padding
        'A', // impossible length
        randomBytes(600).toString('base64url'), // no splitter
        Buffer.concat([
          Buffer.from('VER_R2'),
          partner.thumbprint,
          randomBytes(256),
          Buffer.from('#KEY_SPLITTER#'),
          randomBytes(20) // shorter than AAD + tag
        ]).toString('base64url'),
        Buffer.concat([Buffer.from('VER_R2'), Buffer.from('#KEY_SPLITTER#')]).toString('base64url')
      ]
      for (const input of cases) {
        expectPermanent(decryptor.decryptNow(input), CREDENTIAL_MALFORMED, PERSONAL)
      }
      expectPermanent(decryptor.decryptNow(undefined as unknown as string), CREDENTIAL_MALFORMED)
    })

    it('refuses a plaintext that is not JSON, without quoting it', () => {
      const credential = encryptForPartner(`name=${PERSONAL}`, partner)
      expectPermanent(decryptor.decryptNow(credential), CREDENTIAL_NOT_JSON, PERSONAL)
      const binary = encryptForPartner(Buffer.from([0xff, 0xfe, 0x00, 0x7b]), partner)
      expectPermanent(decryptor.decryptNow(binary), CREDENTIAL_NOT_JSON)
    })

    it('refuses JSON that is not a verifiable credential', () => {
      for (const json of ['[1,2]', '"text"', 'null', `{"subject":{"name":"${PERSONAL}"}}`]) {
        const credential = encryptForPartner(json, partner)
        expectPermanent(decryptor.decryptNow(credential), CREDENTIAL_NOT_VC, PERSONAL)
      }
    })

    it('exposes the plaintext bytes through decryptBytes', () => {
      const outcome = decryptor.decryptBytes(encryptForPartner('{"a":1}', partner))
      assert.equal(outcome.kind, 'ok')
      assert.equal(outcome.kind === 'ok' && outcome.value.toString(), '{"a":1}')
    })
  })

  describe('the real Collab credential (2022, RSA-4096, key not public)', () => {
    const fixture = JSON.parse(
      readFileSync(
        new URL('./fixtures/credentials/collab-2022-credential.json', import.meta.url),
        'utf8'
      )
    ) as { credential: string }
    const realThumbprint = '5cb523be13a07b22029eb56961a81543a1f8849278ccb1561ac7ba021328579b'

    it('has the documented structure', () => {
      assert.equal(fixture.credential.length, 2043)
      const bytes = decodeBase64Text(fixture.credential)
      assert.ok(bytes)
      assert.equal(bytes.length, 1532)
      assert.equal(bytes.subarray(0, 6).toString('latin1'), 'VER_R2')
      assert.equal(bytes.indexOf('#KEY_SPLITTER#'), 550)
      assert.equal(bytes.subarray(6, 38).toString('hex'), realThumbprint)
      assert.equal(bytes.length - 550 - 14, 968)
    })

    it('is parsed up to the recipient check, then up to RSA', () => {
      const reason = expectPermanent(
        decryptor4096.decryptNow(fixture.credential),
        CREDENTIAL_WRONG_RECIPIENT
      )
      assert.ok(reason.includes(realThumbprint))
      const unchecked = new MosipCredentialDecryptor({ privateKey: partner4096.privateKey })
      // the layout fits a 4096-bit key: only the (unknown) private key is missing
      expectPermanent(unchecked.decryptNow(fixture.credential), CREDENTIAL_DECRYPT_FAILED)
      const small = new MosipCredentialDecryptor({ privateKey: partner.privateKey })
      expectPermanent(small.decryptNow(fixture.credential), CREDENTIAL_MALFORMED)
    })
  })

  describe('construction', () => {
    it('wants an RSA private key, 32-byte thumbprints, and a thumbprint to check', () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      assert.throws(() => new MosipCredentialDecryptor({ privateKey: ec.privateKey }), TypeError)
      assert.throws(
        () => new MosipCredentialDecryptor({ privateKey: partner.publicKey }),
        TypeError
      )
      assert.throws(
        () =>
          new MosipCredentialDecryptor({
            privateKey: partner.privateKey,
            thumbprint: Buffer.alloc(20)
          }),
        RangeError
      )
      assert.throws(
        () =>
          new MosipCredentialDecryptor({ privateKey: partner.privateKey, checkThumbprint: true }),
        TypeError
      )
    })
  })
})
