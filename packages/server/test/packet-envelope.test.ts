import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  mosipAuthRequestSchema,
  mosipCreatePacketRequestSchema,
  mosipStatusSearchRequestSchema,
  mosipWorkflowInstanceRequestSchema
} from '@mosip-bridge/contracts'
import {
  buildAuthEnvelope,
  buildCreatePacketEnvelope,
  buildExternalStatusEnvelope,
  buildWorkflowInstanceEnvelope,
  ensureStringFields,
  mosipRequestTime
} from '../src/core/packet-envelope.js'
import type { NotificationInfo, PacketRequest } from '../src/core/ports.js'

const settings = {
  source: 'CRVS1',
  schemaVersion: '0.500',
  centerId: '10001',
  machineId: '10004',
  defaultSchemaJson: '{"default":true}',
  languages: ['eng']
}

describe('mosipRequestTime', () => {
  it("formats yyyy-MM-dd'T'HH:mm:ss.SSS'Z' in UTC", () => {
    assert.equal(mosipRequestTime(Date.UTC(2025, 3, 17, 7, 30, 0, 5)), '2025-04-17T07:30:00.005Z')
    assert.match(mosipRequestTime(Date.now()), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  })
})

describe('ensureStringFields', () => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ['string', 'Jane', 'Jane'],
    ['empty string', '', ''],
    [
      'JSON-looking string kept verbatim',
      '[{"language":"eng","value":"Leo"}]',
      '[{"language":"eng","value":"Leo"}]'
    ],
    ['array', [{ language: 'eng', value: 'Leo' }], '[{"language":"eng","value":"Leo"}]'],
    ['object', { a: 1, b: null }, '{"a":1,"b":null}'],
    ['integer', 42, '42'],
    ['decimal', 0.1, '0.1'],
    ['boolean true', true, 'true'],
    ['boolean false', false, 'false'],
    ['bigint', 12345678901234567890n, '12345678901234567890'],
    ['date', new Date(Date.UTC(2025, 0, 2)), '2025-01-02T00:00:00.000Z'],
    ['null', null, undefined],
    ['undefined', undefined, undefined],
    ['function', () => 1, undefined]
  ]
  for (const [name, value, expected] of cases) {
    it(`${name} → ${expected === undefined ? 'omitted' : JSON.stringify(expected)}`, () => {
      const result = ensureStringFields({ field: value })
      if (expected === undefined) assert.equal(Object.hasOwn(result, 'field'), false)
      else assert.equal(result.field, expected)
    })
  }

  it('keeps every other key and the key order', () => {
    assert.deepEqual(
      Object.entries(ensureStringFields({ b: 'x', gone: undefined, a: 1, n: null, c: ['y'] })),
      [
        ['b', 'x'],
        ['a', '1'],
        ['c', '["y"]']
      ]
    )
  })

  it('treats a __proto__ key as an ordinary key', () => {
    const input = JSON.parse('{"__proto__":{"polluted":true},"x":"1"}') as Record<string, unknown>
    const result = ensureStringFields(input)
    assert.equal(Object.getPrototypeOf(result), Object.prototype)
    assert.equal(Object.hasOwn(result, '__proto__'), true)
    assert.equal((result as Record<string, unknown>).polluted, undefined)
    assert.equal(JSON.stringify(result), '{"__proto__":"{\\"polluted\\":true}","x":"1"}')
  })
})

describe('buildAuthEnvelope', () => {
  it('is the reference body, ids set to "string"', () => {
    assert.deepEqual(
      buildAuthEnvelope(
        { clientId: 'c', secretKey: 's', appId: 'admin' },
        '2025-01-01T00:00:00.000Z'
      ),
      {
        id: 'string',
        version: 'string',
        requesttime: '2025-01-01T00:00:00.000Z',
        metadata: {},
        request: { clientId: 'c', secretKey: 's', appId: 'admin' }
      }
    )
  })

  it('satisfies the wire schema of the login', () => {
    const envelope = buildAuthEnvelope({ clientId: 'c', secretKey: 's', appId: 'a' }, 't')
    assert.equal(mosipAuthRequestSchema.safeParse(envelope).success, true)
  })
})

describe('buildCreatePacketEnvelope', () => {
  const request: PacketRequest = {
    id: '100014728301957',
    process: 'CRVS_NEW',
    fields: { fullName: '[{"language":"eng","value":"Leo"}]', birthCertificateNumber: 'B1' },
    metaInfo: { metaData: '[]' },
    audits: [{ uuid: 'u1', eventId: 'OPENCRVS_CREATE_PACKET' }],
    schemaJson: '{"custom":true}'
  }

  it('wraps the request exactly like the reference', () => {
    const envelope = buildCreatePacketEnvelope(request, settings, '2025-04-17T07:30:00.000Z')
    assert.deepEqual(envelope, {
      id: 'string',
      version: 'string',
      requesttime: '2025-04-17T07:30:00.000Z',
      request: {
        id: '100014728301957',
        refId: '10001_10004',
        offlineMode: false,
        process: 'CRVS_NEW',
        source: 'CRVS1',
        schemaVersion: '0.500',
        fields: request.fields,
        metaInfo: request.metaInfo,
        audits: request.audits,
        schemaJson: '{"custom":true}'
      }
    })
    assert.deepEqual(Object.keys(envelope.request), [
      'id',
      'refId',
      'offlineMode',
      'process',
      'source',
      'schemaVersion',
      'fields',
      'metaInfo',
      'audits',
      'schemaJson'
    ])
  })

  it('satisfies the wire schema of createPacket', () => {
    const envelope = buildCreatePacketEnvelope(request, settings, '2025-04-17T07:30:00.000Z')
    const parsed = mosipCreatePacketRequestSchema.safeParse(envelope)
    assert.equal(parsed.success, true, parsed.error?.message)
  })

  it('uses the default schema when the request has none or a blank one', () => {
    const { schemaJson: _omit, ...withoutSchema } = request
    assert.equal(
      buildCreatePacketEnvelope(withoutSchema, settings, 't').request.schemaJson,
      '{"default":true}'
    )
    assert.equal(
      buildCreatePacketEnvelope({ ...request, schemaJson: '  ' }, settings, 't').request.schemaJson,
      '{"default":true}'
    )
  })

  it('turns loose non-string values into strings everywhere MOSIP wants Map<String,String>', () => {
    const loose = {
      ...request,
      fields: {
        IDSchemaVersion: 0.5,
        gender: [{ language: 'eng', value: 'Male' }],
        dead: undefined
      },
      metaInfo: { creationDate: 202503121345, flag: null },
      audits: [{ createdAt: '2025-04-17T07:30:00.000Z', eventId: 7, gone: undefined }]
    } as unknown as PacketRequest
    const envelope = buildCreatePacketEnvelope(loose, settings, 't')
    assert.deepEqual(envelope.request.fields, {
      IDSchemaVersion: '0.5',
      gender: '[{"language":"eng","value":"Male"}]'
    })
    assert.deepEqual(envelope.request.metaInfo, { creationDate: '202503121345' })
    assert.deepEqual(envelope.request.audits, [
      { createdAt: '2025-04-17T07:30:00.000Z', eventId: '7' }
    ])
  })
})

describe('buildWorkflowInstanceEnvelope', () => {
  it('is the reference workflowinstance body', () => {
    assert.deepEqual(
      buildWorkflowInstanceEnvelope(
        {
          registrationId: '100014728301957',
          process: 'CRVS_DEATH',
          source: 'OPENCRVS',
          notification: { name: 'Mary', phone: '+260971234567', email: 'mary@example.org' }
        },
        '2025-04-17T07:30:02.000Z'
      ),
      {
        id: 'mosip.registration.processor.workflow.instance',
        version: 'v1',
        requesttime: '2025-04-17T07:30:02.000Z',
        request: {
          registrationId: '100014728301957',
          process: 'CRVS_DEATH',
          source: 'OPENCRVS',
          additionalInfoReqId: '',
          notificationInfo: { name: 'Mary', phone: '+260971234567', email: 'mary@example.org' }
        }
      }
    )
  })

  it('satisfies the wire schema of workflowinstance', () => {
    const envelope = buildWorkflowInstanceEnvelope(
      {
        registrationId: 'r',
        process: 'CRVS_NEW',
        source: 's',
        notification: { name: 'N', phone: '', email: '' }
      },
      '2025-04-17T07:30:02.000Z'
    )
    const parsed = mosipWorkflowInstanceRequestSchema.safeParse(envelope)
    assert.equal(parsed.success, true, parsed.error?.message)
  })

  it('sends empty strings for missing notification values, never null', () => {
    const envelope = buildWorkflowInstanceEnvelope(
      {
        registrationId: 'r',
        process: 'CRVS_NEW',
        source: 's',
        notification: { name: 'N', phone: undefined, email: null } as unknown as NotificationInfo
      },
      't'
    )
    assert.deepEqual(envelope.request.notificationInfo, { name: 'N', phone: '', email: '' })
  })
})

describe('buildExternalStatusEnvelope', () => {
  it("is MOSIP's externalstatus/search body and satisfies its wire schema", () => {
    const envelope = buildExternalStatusEnvelope(
      ['100014728301957', '100019999999999'],
      mosipRequestTime(Date.UTC(2025, 3, 17, 9, 0, 0))
    )
    assert.deepEqual(envelope, {
      id: 'mosip.registration.external.status',
      version: '1.0',
      requesttime: '2025-04-17T09:00:00.000Z',
      request: [{ registrationId: '100014728301957' }, { registrationId: '100019999999999' }]
    })
    const parsed = mosipStatusSearchRequestSchema.safeParse(envelope)
    assert.equal(parsed.success, true, parsed.error?.message)
  })
})
