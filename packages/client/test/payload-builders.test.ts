import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mosipCorrectionPayloadSchema, mosipInteropPayloadSchema } from '@mosip-bridge/contracts'
import {
  PayloadBuildError,
  buildBirthRegistrationPayload,
  buildCorrectionPayload,
  buildDeathRegistrationPayload,
  fullNameOf,
  languageValue,
  mosipAddressFields,
  mosipDate,
  readAddress
} from '../src/index.js'
import {
  LOCATION_ID,
  NOW,
  OFFICE_ID,
  REGISTER_ACTION_ID,
  REGISTRAR_ID,
  approveCorrectionTrigger,
  birthWithVerifiedMother,
  deathWithSpouseInformant,
  deathWithVerifiedSon,
  internationalAddress,
  registerTrigger
} from './fixtures/event-documents.js'

const now = () => NOW
const lang = (value: string, language = 'eng') => JSON.stringify([{ language, value }])

function labels(text: string | unknown): Record<string, string> {
  const list = JSON.parse(String(text)) as Array<{ label: string; value: string }>
  return Object.fromEntries(list.map((entry) => [entry.label, entry.value]))
}

describe('MOSIP values', () => {
  it('writes dates as YYYY/MM/DD and drops what is not a date', () => {
    assert.equal(mosipDate('2026-01-05'), '2026/01/05')
    assert.equal(mosipDate('2026-02-30'), undefined)
    assert.equal(mosipDate(undefined), undefined)
    assert.equal(mosipDate('05-01-2026'), undefined)
  })

  it('wraps multi-language values as JSON text and leaves empty values out', () => {
    assert.equal(languageValue('Ada', 'fra'), '[{"language":"fra","value":"Ada"}]')
    assert.equal(languageValue('  ', 'eng'), undefined)
    assert.equal(languageValue(undefined, 'eng'), undefined)
  })

  it('gives one entry per language, from per-language values or else the same text', () => {
    const entries = (text: string | undefined) => JSON.parse(text ?? 'null') as unknown
    assert.deepEqual(entries(languageValue('Ada', ['eng', 'ara'])), [
      { language: 'eng', value: 'Ada' },
      { language: 'ara', value: 'Ada' }
    ])
    assert.deepEqual(entries(languageValue({ eng: 'Ada', ara: 'آدا' }, ['eng', 'ara'])), [
      { language: 'eng', value: 'Ada' },
      { language: 'ara', value: 'آدا' }
    ])
    assert.deepEqual(entries(languageValue({ ara: 'آدا', fra: 'Ada' }, ['eng', 'ara'])), [
      { language: 'eng', value: 'آدا' },
      { language: 'ara', value: 'آدا' },
      { language: 'fra', value: 'Ada' }
    ])
    assert.equal(languageValue({ eng: ' ', ara: undefined }, ['eng']), undefined)
  })

  it('joins names in order, single-spaced, skipping missing parts', () => {
    assert.equal(fullNameOf({ firstname: 'Ada', middlename: 'K', surname: 'Banda' }), 'Ada K Banda')
    assert.equal(fullNameOf({ firstname: 'Ada', surname: 'Banda' }), 'Ada Banda')
    assert.equal(fullNameOf({ surname: 'Banda' }), 'Banda')
    assert.equal(fullNameOf({}), undefined)
  })
})

describe('languages and documents', () => {
  it('writes every language into the defaults and takes per-language values from the mapping', () => {
    const event = registerTrigger({ declaration: birthWithVerifiedMother() })
    const payload = buildBirthRegistrationPayload(event, 'B1', {
      now,
      languages: ['eng', 'ara'],
      fieldMapping: (_context, defaults) => ({
        ...defaults,
        fullName: { eng: 'Ada Banda', ara: 'آدا باندا' }
      })
    })
    assert.equal(mosipInteropPayloadSchema.safeParse(payload).success, true)
    const fields = payload.requestFields as Record<string, string>
    assert.deepEqual(JSON.parse(fields.fullName!), [
      { language: 'eng', value: 'Ada Banda' },
      { language: 'ara', value: 'آدا باندا' }
    ])
    for (const name of ['gender', 'guardianOrParentName', 'addressLine1']) {
      const entries = JSON.parse(fields[name]!) as Array<{ language: string; value: string }>
      assert.deepEqual(
        entries.map((entry) => entry.language),
        ['eng', 'ara'],
        name
      )
      assert.equal(entries[0]!.value, entries[1]!.value, name)
    }
    assert.equal(fields.dateOfBirth?.startsWith('['), false)
    assert.equal('documents' in payload, false)
  })

  it('carries the documents given, as they are or computed from the record', () => {
    const event = registerTrigger({ declaration: birthWithVerifiedMother() })
    const proof = { type: 'NOTIFICATION_OF_BIRTH', format: 'pdf', content: 'JVBERi0xLjQ=' }
    const given = buildBirthRegistrationPayload(event, 'B1', { now, documents: [proof] })
    assert.deepEqual(given.documents, [proof])
    assert.equal(mosipInteropPayloadSchema.safeParse(given).success, true)
    const computed = buildDeathRegistrationPayload(
      registerTrigger({ type: 'death', declaration: deathWithVerifiedSon() }),
      'D1',
      {
        now,
        documents: (context) =>
          context.kind === 'death' ? [{ ...proof, type: 'PROOF_OF_IDENTITY' }] : []
      }
    )
    assert.equal(computed.documents?.[0]?.type, 'PROOF_OF_IDENTITY')
  })
})

describe('birth registration payload', () => {
  it('builds a complete payload for a birth with a verified mother', () => {
    const event = registerTrigger({ declaration: birthWithVerifiedMother() })
    const payload = buildBirthRegistrationPayload(event, 'PD9TL0RL12RO', { now })
    assert.ok(mosipInteropPayloadSchema.safeParse(payload).success, 'the bridge accepts it')
    assert.equal(payload.trackingId, 'B7X2KQ')
    assert.deepEqual(payload.requestFields, {
      birthCertificateNumber: 'PD9TL0RL12RO',
      fullName: lang('Ada K Banda'),
      dateOfBirth: '2026/10/30',
      gender: lang('Female'),
      guardianOrParentName: lang('Grace Banda'),
      addressLine1: lang('12 Main St'),
      addressLine2: lang('Zobwe'),
      city: lang('Ilanga'),
      region: lang(LOCATION_ID),
      province: lang(LOCATION_ID),
      zone: lang(LOCATION_ID),
      postalCode: '10101',
      email: 'grace@example.org',
      phone: '0911111111'
    })
    for (const value of Object.values(payload.requestFields)) assert.equal(typeof value, 'string')
    assert.deepEqual(payload.notification, {
      recipientFullName: 'Grace Banda',
      recipientEmail: 'grace@example.org',
      recipientPhone: '0911111111'
    })
    assert.equal('schemaJson' in payload, false)
  })

  it('fills metaInfo and audit with the record, the action and the officer', () => {
    const event = registerTrigger({ declaration: birthWithVerifiedMother() })
    const payload = buildBirthRegistrationPayload(event, 'PD9TL0RL12RO', { now })
    assert.deepEqual(labels(payload.metaInfo.metaData), {
      registrationType: 'NEW',
      opencrvsEventId: event.id,
      opencrvsEventType: 'birth',
      trackingId: 'B7X2KQ',
      registrationNumber: 'PD9TL0RL12RO',
      opencrvsActionId: REGISTER_ACTION_ID,
      opencrvsActionType: 'REGISTER'
    })
    assert.deepEqual(labels(payload.metaInfo.operationsData), {
      officerId: REGISTRAR_ID,
      officerRole: 'LOCAL_REGISTRAR',
      officeId: OFFICE_ID
    })
    assert.equal(payload.metaInfo.creationDate, NOW.toISOString())
    assert.equal(payload.audit.uuid, REGISTER_ACTION_ID)
    assert.equal(payload.audit.createdAt, '2026-11-29T09:20:00.000Z')
    assert.equal(payload.audit.sessionUserId, REGISTRAR_ID)
    assert.equal(payload.audit.id, event.id)
    assert.equal(payload.audit.actionTimeStamp, NOW.toISOString())
    assert.equal(payload.audit.description, 'REGISTER of birth record B7X2KQ')
    assert.ok(!JSON.stringify(payload.audit).includes('@TODO'))
    for (const value of [...Object.values(payload.metaInfo), ...Object.values(payload.audit)]) {
      assert.equal(typeof value, 'string')
    }
  })

  it('uses the registration-time edits and the configured language', () => {
    const event = registerTrigger({
      declaration: birthWithVerifiedMother(),
      registerDeclaration: { 'child.name': { firstname: 'Adaeze', surname: 'Banda' } }
    })
    const payload = buildBirthRegistrationPayload(event, 'N1', { now, language: 'fra' })
    // deepMerge keeps the declared middle name the registrar did not touch.
    assert.equal(payload.requestFields.fullName, lang('Adaeze K Banda', 'fra'))
    assert.equal(payload.requestFields.gender, lang('Female', 'fra'))
  })

  it('notifies the informant, whoever informs', () => {
    const declaration = {
      ...birthWithVerifiedMother(),
      'informant.relation': 'FATHER'
    }
    let payload = buildBirthRegistrationPayload(registerTrigger({ declaration }), 'N1', { now })
    assert.equal(payload.notification.recipientFullName, 'Peter Banda')
    payload = buildBirthRegistrationPayload(
      registerTrigger({
        declaration: {
          ...declaration,
          'informant.relation': 'GRANDMOTHER',
          'informant.name': { firstname: 'Esther', surname: 'Mwale' }
        }
      }),
      'N1',
      { now }
    )
    assert.equal(payload.notification.recipientFullName, 'Esther Mwale')
  })

  it('leaves missing values out instead of sending undefined, empty or placeholder values', () => {
    const payload = buildBirthRegistrationPayload(
      registerTrigger({
        declaration: {
          'child.name': { firstname: 'Ada', surname: '' },
          'child.dob': '2026-10-30',
          'mother.verified': 'verified',
          'informant.relation': 'MOTHER'
        }
      }),
      'N1',
      { now }
    )
    assert.deepEqual(payload.requestFields, {
      birthCertificateNumber: 'N1',
      fullName: lang('Ada'),
      dateOfBirth: '2026/10/30'
    })
    assert.deepEqual(payload.notification, {
      recipientFullName: '',
      recipientEmail: '',
      recipientPhone: ''
    })
    assert.ok(!JSON.stringify(payload).includes('undefined'))
    assert.ok(mosipInteropPayloadSchema.safeParse(payload).success)
  })

  it("takes the country's field mapping, but keeps the certificate number", () => {
    const event = registerTrigger({ declaration: birthWithVerifiedMother() })
    const payload = buildBirthRegistrationPayload(event, 'N1', {
      now,
      schemaJson: '{"schema":true}',
      fieldMapping: (context, defaults) => ({
        ...defaults,
        email: undefined,
        phone: undefined,
        preferredLang: context.language,
        motherUIN: context.declaration['mother.nid'] as string,
        birthCertificateNumber: 'overridden?',
        deathCertificateNumber: 'never'
      })
    })
    assert.equal(payload.requestFields.birthCertificateNumber, 'N1')
    assert.equal('deathCertificateNumber' in payload.requestFields, false)
    assert.equal(payload.requestFields.motherUIN, '1234567890')
    assert.equal(payload.requestFields.preferredLang, 'eng')
    assert.equal('email' in payload.requestFields, false)
    assert.equal(payload.schemaJson, '{"schema":true}')
  })

  it('maps administrative areas through a resolver', () => {
    const event = registerTrigger({ declaration: birthWithVerifiedMother() })
    const payload = buildBirthRegistrationPayload(event, 'N1', {
      now,
      administrativeAreas: (id) =>
        id === LOCATION_ID ? { province: 'Central', district: 'Ibombo' } : undefined
    })
    assert.equal(payload.requestFields.province, lang('Central'))
    assert.equal(payload.requestFields.district, lang('Ibombo'))
    assert.equal('region' in payload.requestFields, false)
  })
})

describe('addresses', () => {
  it('maps an international address', () => {
    const address = readAddress({ a: internationalAddress }, 'a')
    assert.deepEqual(mosipAddressFields(address, 'eng'), {
      addressLine1: lang('221B Baker Street'),
      addressLine2: lang('Marylebone'),
      addressLine3: undefined,
      city: lang('London'),
      region: lang('Greater London'),
      district: lang('Camden'),
      postalCode: 'NW1 6XE'
    })
  })

  it('maps a domestic address without street details', () => {
    const address = readAddress(
      { a: { country: 'FAR', addressType: 'DOMESTIC', administrativeArea: LOCATION_ID } },
      'a'
    )
    const fields = mosipAddressFields(address, 'eng', () => ({ region: 'Central' }))
    assert.deepEqual(
      Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      { region: lang('Central') }
    )
  })
})

describe('death registration payload', () => {
  it('builds a death informed by the spouse', () => {
    const event = registerTrigger({ type: 'death', declaration: deathWithSpouseInformant() })
    const payload = buildDeathRegistrationPayload(event, 'D0000000001', { now })
    assert.ok(mosipInteropPayloadSchema.safeParse(payload).success)
    assert.deepEqual(payload.requestFields, {
      deathCertificateNumber: 'D0000000001',
      UIN: '7319402856',
      fullName: lang('Joseph Banda'),
      dateOfBirth: '1950/02/14',
      gender: lang('Male'),
      deathDeclared: 'yes',
      dateOfDeath: '2026/11/20',
      addressLine1: lang('12 Main St'),
      addressLine2: lang('Zobwe'),
      city: lang('Ilanga'),
      region: lang(LOCATION_ID),
      province: lang(LOCATION_ID),
      zone: lang(LOCATION_ID),
      postalCode: '10101'
    })
    assert.deepEqual(payload.notification, {
      recipientFullName: 'Ruth Banda',
      recipientEmail: 'ruth@example.org',
      recipientPhone: '0922222222'
    })
    assert.equal(labels(payload.metaInfo.metaData).registrationType, 'DEATH')
  })

  it('sends no UIN when the deceased was identified by another document', () => {
    const event = registerTrigger({
      type: 'death',
      declaration: { ...deathWithVerifiedSon(), 'deceased.idType': 'PASSPORT' }
    })
    const payload = buildDeathRegistrationPayload(event, 'D1', { now })
    assert.equal('UIN' in payload.requestFields, false)
    assert.equal(payload.notification.recipientFullName, 'Daniel Banda')
    assert.equal(payload.notification.recipientPhone, '')
  })
})

describe('correction payload', () => {
  it("sends the child's national id as VID with the corrected values and the informant's PSUT", () => {
    const event = approveCorrectionTrigger({
      declaration: {
        'mother.verify-nid-http-fetch': { loading: false, data: { sub: 'psut-grace-42' } }
      }
    })
    const payload = buildCorrectionPayload(event, { now })
    assert.ok(mosipCorrectionPayloadSchema.safeParse(payload).success)
    assert.deepEqual(payload.requestFields, {
      VID: '4826159370',
      fullName: lang('Adaeze K Banda'),
      dateOfBirth: '2026/10/30',
      gender: lang('Female'),
      introducerInfoToken: 'psut-grace-42'
    })
    assert.equal(labels(payload.metaInfo.metaData).registrationType, 'UPDATE')
    assert.equal(labels(payload.metaInfo.metaData).registrationNumber, 'PD9TL0RL12RO')
    assert.equal(labels(payload.metaInfo.metaData).opencrvsActionType, 'APPROVE_CORRECTION')
  })

  it('refuses a child without a national id', () => {
    assert.throws(
      () => buildCorrectionPayload(approveCorrectionTrigger({ childNid: undefined }), { now }),
      PayloadBuildError
    )
  })
})
