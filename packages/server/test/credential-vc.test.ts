import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  CREDENTIAL_NOT_VC,
  nationalIdFrom,
  parseVerifiableCredential,
  registrationIdFromSubjectId
} from '../src/core/verifiable-credential.js'
import type { IssuedCredential } from '../src/core/ports.js'

function parsed(json: unknown): IssuedCredential {
  const outcome = parseVerifiableCredential(json)
  assert.equal(outcome.kind, 'ok', JSON.stringify(outcome))
  return (outcome as { value: IssuedCredential }).value
}

describe('verifiable credential parsing (lenient)', () => {
  it('reads a VC of the shape OpenCRVS validated strictly', () => {
    const value = parsed({
      issuanceDate: '2025-10-28T10:20:11.000Z',
      credentialSubject: {
        birthCertificateNumber: '2025B4XK2LQ',
        VID: '4789512360',
        id: 'https://api.collab.mosip.net/credentials/100014728301957',
        vcVer: 'VC-V1'
      },
      id: 'https://api.collab.mosip.net/credentials/9f1c',
      proof: { type: 'RsaSignature2018', jws: 'eyJ..sig' },
      type: ['VerifiableCredential', 'MOSIPVerifiableCredential'],
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      issuer: 'https://api.collab.mosip.net/.well-known/controller.json'
    })
    assert.equal(value.subjectRegistrationId, '100014728301957')
    assert.equal(nationalIdFrom(value.subject, 'VID'), '4789512360')
    assert.equal(nationalIdFrom(value.subject), undefined, 'no UIN in this subject')
  })

  it('reads a loose VC like the 2022 sample (no proof, plain subject id, JSON-text values)', () => {
    const value = parsed({
      issuedTo: 'opencrvs-partner',
      protectedAttributes: [],
      credentialSubject: {
        gender: '[{"language":"eng","value":"female"}]',
        fullName: 'Test Person',
        id: '2835824850916304',
        UIN: '7346597054'
      },
      type: ['MOSIPVerifiableCredential'],
      consent: ''
    })
    assert.equal(value.subjectRegistrationId, '2835824850916304')
    assert.equal(nationalIdFrom(value.subject), '7346597054')
    assert.equal(value.subject.gender, '[{"language":"eng","value":"female"}]', 'kept as found')
  })

  it('reads a death credential, which carries no national id', () => {
    const value = parsed({
      credentialSubject: {
        id: 'http://credential.idrepo/credentials/100010033575073',
        vcVer: 'VC-V1'
      }
    })
    assert.equal(value.subjectRegistrationId, '100010033575073')
    assert.equal(nationalIdFrom(value.subject), undefined)
    assert.equal(nationalIdFrom(value.subject, 'VID'), undefined)
  })

  it('gives no registration id for a subject without id, and still parses', () => {
    assert.equal(parsed({ credentialSubject: { UIN: '1' } }).subjectRegistrationId, undefined)
  })

  it('takes the first subject object of a subject array', () => {
    const value = parsed({ credentialSubject: ['x', { id: 'urn:rid:42', UIN: '9' }, { id: 'b' }] })
    assert.equal(value.subjectRegistrationId, '42')
    assert.equal(nationalIdFrom(value.subject), '9')
  })

  it('refuses what has no credentialSubject object', () => {
    const invalid: unknown[] = [
      null,
      'vc',
      42,
      [],
      [{ credentialSubject: {} }],
      {},
      { credentialSubject: null },
      { credentialSubject: 'Subject Name' },
      { credentialSubject: ['a', 1] }
    ]
    for (const json of invalid) {
      const outcome = parseVerifiableCredential(json)
      assert.equal(outcome.kind, 'permanent', JSON.stringify(json))
      assert.equal(outcome.kind === 'permanent' && outcome.code, CREDENTIAL_NOT_VC)
      assert.ok(outcome.kind === 'permanent' && !outcome.reason.includes('Subject Name'))
    }
  })
})

describe('registration id from credentialSubject.id', () => {
  const cases: Array<[unknown, string | undefined]> = [
    ['https://api.collab.mosip.net/credentials/100014728301957', '100014728301957'],
    ['http://credential.idrepo/credentials/100010033575073', '100010033575073'],
    ['https://api.collab.mosip.net/credentials/100014728301957/', '100014728301957'],
    ['https://x.example/credentials/100014728301957//', '100014728301957'],
    ['https://x.example/credentials/100014728301957?v=1#frag', '100014728301957'],
    ['https://x.example:8443/a/b/10001%2D42', '10001-42'],
    ['  https://x.example/credentials/123  ', '123'],
    ['https://x.example', undefined],
    ['https://x.example/', undefined],
    ['urn:mosip:credential:100014728301957', '100014728301957'],
    ['urn:uuid:9f1c0e4e-2b7d-4a0e-8f1c-1d2e3f4a5b6c', '9f1c0e4e-2b7d-4a0e-8f1c-1d2e3f4a5b6c'],
    ['did:example:100014728301957', '100014728301957'],
    ['urn:rid:100014728301957:', '100014728301957'],
    ['100014728301957', '100014728301957'],
    ['credentials/100014728301957', '100014728301957'],
    ['/credentials/100014728301957/', '100014728301957'],
    [100014728301957, '100014728301957'],
    [1.5, undefined],
    ['', undefined],
    ['   ', undefined],
    ['///', undefined],
    [null, undefined],
    [undefined, undefined],
    [{ id: '1' }, undefined]
  ]
  for (const [id, expected] of cases) {
    it(`${JSON.stringify(id) ?? 'undefined'} → ${expected ?? 'undefined'}`, () => {
      assert.equal(registrationIdFromSubjectId(id), expected)
    })
  }
})

describe('national id from the credential subject', () => {
  const cases: Array<[string, Record<string, unknown>, string, string | undefined]> = [
    ['a string', { UIN: '7346597054' }, 'UIN', '7346597054'],
    ['a padded string, trimmed', { UIN: ' 7346597054\n' }, 'UIN', '7346597054'],
    ['a number', { UIN: 7346597054 }, 'UIN', '7346597054'],
    ['a number beyond 2^53, untrusted', { UIN: 2 ** 64 }, 'UIN', undefined],
    ['a negative number', { UIN: -5 }, 'UIN', undefined],
    ['an empty string', { UIN: '' }, 'UIN', undefined],
    ['a missing key', { VID: '1' }, 'UIN', undefined],
    ['a boolean', { UIN: true }, 'UIN', undefined],
    ['null', { UIN: null }, 'UIN', undefined],
    ['another key', { VID: '4789512360', UIN: '1' }, 'VID', '4789512360'],
    [
      'JSON text of language values',
      { UIN: '[{"language":"eng","value":"7346597054"}]' },
      'UIN',
      '7346597054'
    ],
    [
      'JSON text whose first value is empty',
      { UIN: '[{"language":"eng","value":""},{"language":"fra","value":"42"}]' },
      'UIN',
      '42'
    ],
    ['an actual language array', { UIN: [{ language: 'eng', value: 99 }] }, 'UIN', '99'],
    ['an object with value', { UIN: { value: '77' } }, 'UIN', '77'],
    ['text that only looks like JSON', { UIN: '[not json' }, 'UIN', undefined],
    ['an empty array', { UIN: '[]' }, 'UIN', undefined],
    ['a key in another case', { uin: '5' }, 'UIN', '5'],
    ['an ambiguous case-insensitive key', { uin: '5', Uin: '6' }, 'UIN', undefined],
    ['the exact key over other cases', { uin: '5', UIN: '6' }, 'UIN', '6']
  ]
  for (const [name, subject, key, expected] of cases) {
    it(`${name} → ${expected ?? 'undefined'}`, () => {
      assert.equal(nationalIdFrom(subject, key), expected)
    })
  }
})
