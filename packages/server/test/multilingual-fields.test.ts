/** MOSIP_LANGUAGES: every simpleType field of a packet carries each configured language. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  entriesForLanguages,
  languageEntriesOf,
  simpleTypeFieldsOf,
  withConfiguredLanguages
} from '../src/core/multilingual-fields.js'
import { buildCreatePacketEnvelope } from '../src/core/packet-envelope.js'
import { DEFAULT_ID_SCHEMA_JSON } from '../src/integrations/mosip/default-id-schema.js'

const SIMPLE = new Set(['fullName', 'gender', 'addressLine1'])
const text = (entries: Array<[string, string]>) =>
  JSON.stringify(entries.map(([language, value]) => ({ language, value })))

describe('simpleTypeFieldsOf', () => {
  it("reads the fields whose $ref is the schema's simpleType", () => {
    const fields = simpleTypeFieldsOf(DEFAULT_ID_SCHEMA_JSON)
    for (const name of ['fullName', 'gender', 'addressLine1', 'guardianOrParentName', 'city'])
      assert.equal(fields.has(name), true, name)
    for (const name of ['dateOfBirth', 'email', 'UIN', 'proofOfDateOfBirth'])
      assert.equal(fields.has(name), false, name)
  })

  it('falls back to the default schema fields for text that is no ID schema', () => {
    assert.equal(simpleTypeFieldsOf('not json').has('fullName'), true)
    assert.equal(simpleTypeFieldsOf('{"custom":true}').has('gender'), true)
  })
})

describe('languageEntriesOf', () => {
  const cases: Array<[string, string, ReturnType<typeof languageEntriesOf>]> = [
    ['plain text', 'Leo Bwalya', undefined],
    ['MOSIP JSON text', text([['eng', 'Leo']]), [{ language: 'eng', value: 'Leo' }]],
    [
      'per-language values',
      '{"eng":"Leo","ara":"ليو"}',
      [
        { language: 'eng', value: 'Leo' },
        { language: 'ara', value: 'ليو' }
      ]
    ],
    ['an object that is not per-language', '{"name":"Leo"}', undefined],
    ['text that only looks like JSON', '[Leo]', undefined]
  ]
  for (const [label, value, expected] of cases) {
    it(label, () => assert.deepEqual(languageEntriesOf(value), expected))
  }
})

describe('entriesForLanguages', () => {
  it('keeps given values, fills the others with the primary one, drops the rest', () => {
    assert.deepEqual(
      entriesForLanguages(
        [
          { language: 'fra', value: 'Léo' },
          { language: 'eng', value: 'Leo' }
        ],
        ['eng', 'ara']
      ),
      [
        { language: 'eng', value: 'Leo' },
        { language: 'ara', value: 'Leo' }
      ]
    )
  })

  it('uses the first value given when the primary language has none', () => {
    assert.deepEqual(entriesForLanguages([{ language: 'ara', value: 'ليو' }], ['eng', 'ara']), [
      { language: 'eng', value: 'ليو' },
      { language: 'ara', value: 'ليو' }
    ])
  })
})

describe('withConfiguredLanguages', () => {
  it('gives every simpleType field exactly the configured languages', () => {
    const fields = withConfiguredLanguages(
      {
        fullName: '{"eng":"Leo Bwalya","ara":"ليو بواليا"}',
        gender: text([['eng', 'Male']]),
        addressLine1: '12 Palm Rd',
        dateOfBirth: '2025/03/14',
        email: '{"eng":"leo@example.org"}'
      },
      SIMPLE,
      ['eng', 'ara']
    )
    assert.deepEqual(fields, {
      fullName: text([
        ['eng', 'Leo Bwalya'],
        ['ara', 'ليو بواليا']
      ]),
      gender: text([
        ['eng', 'Male'],
        ['ara', 'Male']
      ]),
      addressLine1: text([
        ['eng', '12 Palm Rd'],
        ['ara', '12 Palm Rd']
      ]),
      dateOfBirth: '2025/03/14',
      email: 'leo@example.org'
    })
  })

  it("leaves the reference's one-language payloads as they are with the default eng", () => {
    const fields = { fullName: text([['eng', 'Leo']]), dateOfBirth: '2025/03/14' }
    assert.deepEqual(withConfiguredLanguages(fields, SIMPLE, ['eng']), fields)
  })

  it('applies in the createPacket envelope, with the schema the packet is sent with', () => {
    const envelope = buildCreatePacketEnvelope(
      {
        id: '100014728301957',
        process: 'CRVS_NEW',
        fields: { fullName: 'Leo', guardianOrParentName: '{"ara":"ماري"}' },
        metaInfo: {},
        audits: [{ uuid: 'u' }]
      },
      {
        source: 'CRVS1',
        schemaVersion: '0.500',
        centerId: '10001',
        machineId: '10004',
        defaultSchemaJson: DEFAULT_ID_SCHEMA_JSON,
        languages: ['ara', 'eng']
      },
      't'
    )
    assert.deepEqual(envelope.request.fields, {
      fullName: text([
        ['ara', 'Leo'],
        ['eng', 'Leo']
      ]),
      guardianOrParentName: text([
        ['ara', 'ماري'],
        ['eng', 'ماري']
      ])
    })
    assert.equal('documents' in envelope.request, false)
  })
})
