/** A payload's documents: limits, MOSIP categories and the packet's document structure. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mosipCreatePacketRequestSchema, type IntakeDocument } from '@mosip-bridge/contracts'
import {
  DEFAULT_DOCUMENT_CATEGORIES,
  DEFAULT_DOCUMENT_FIELDS,
  mapDocuments,
  type DocumentPolicy
} from '../src/core/packet-documents.js'
import { buildCreatePacketEnvelope } from '../src/core/packet-envelope.js'
import { planRegistration } from '../src/core/intake-plan.js'

const policy: DocumentPolicy = {
  maxBytes: 1000,
  maxCount: 3,
  categoryOfType: DEFAULT_DOCUMENT_CATEGORIES,
  fieldOfCategory: DEFAULT_DOCUMENT_FIELDS
}
const file = (bytes: number) => Buffer.alloc(bytes, 1).toString('base64')
const doc = (extra: Partial<IntakeDocument> = {}): IntakeDocument => ({
  type: 'NOTIFICATION_OF_BIRTH',
  format: 'PDF',
  content: file(10),
  ...extra
})

describe('mapDocuments', () => {
  it("maps OpenCRVS types to MOSIP categories and the categories' schema fields", () => {
    const result = mapDocuments(
      [
        doc({ refNumber: 'NB-1' }),
        doc({ type: 'passport', format: 'jpg' }),
        doc({ type: 'OTHER', category: 'poa', format: 'png' })
      ],
      policy
    )
    assert.equal(result.ok, true)
    assert.deepEqual(result.ok && result.documents, {
      proofOfDateOfBirth: {
        document: file(10),
        value: 'proofOfDateOfBirth',
        type: 'NOTIFICATION_OF_BIRTH',
        format: 'pdf',
        refNumber: 'NB-1'
      },
      proofOfIdentity: {
        document: file(10),
        value: 'proofOfIdentity',
        type: 'passport',
        format: 'jpg',
        refNumber: null
      },
      proofOfAddress: {
        document: file(10),
        value: 'proofOfAddress',
        type: 'OTHER',
        format: 'png',
        refNumber: null
      }
    })
  })

  it('turns base64url into the standard base64 of Jackson byte[]', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xfe, 0x01])
    const result = mapDocuments([doc({ content: bytes.toString('base64url') })], policy)
    assert.equal(
      result.ok && result.documents.proofOfDateOfBirth?.document,
      bytes.toString('base64')
    )
  })

  const refusals: Array<[string, IntakeDocument[], 400 | 413, RegExp]> = [
    ['a file over the size limit', [doc({ content: file(1001) })], 413, /MOSIP_DOCUMENT_MAX_BYTES/],
    ['more documents than allowed', [doc(), doc(), doc(), doc()], 400, /MOSIP_DOCUMENT_MAX_COUNT/],
    ['content that is not base64', [doc({ content: '***' })], 400, /documents\[0\]\.content/],
    ['a type without category', [doc({ type: 'SELFIE' })], 400, /MOSIP_DOCUMENT_CATEGORIES/],
    ['a category without field', [doc({ category: 'XYZ' })], 400, /MOSIP_DOCUMENT_FIELDS/],
    ['two documents for one field', [doc(), doc({ type: 'BIRTH_CERTIFICATE' })], 400, /second/],
    ['an empty file', [doc({ content: '====' })], 400, /documents\[0\]/]
  ]
  for (const [label, documents, status, message] of refusals) {
    it(`refuses ${label} with ${status}`, () => {
      const result = mapDocuments(documents, policy)
      assert.equal(result.ok, false)
      if (result.ok) return
      assert.equal(result.status, status)
      assert.match(result.message, message)
      assert.doesNotMatch(result.message, /AQEB/, 'no document content in messages')
    })
  }

  it('keeps the documents in the sealed packet input and sends them in createPacket', () => {
    const planned = planRegistration(
      {
        trackingId: 'T1',
        notification: { recipientFullName: 'M', recipientEmail: '', recipientPhone: '' },
        requestFields: { birthCertificateNumber: 'B1', fullName: 'Leo' },
        metaInfo: {},
        audit: { uuid: 'u' },
        documents: [doc()]
      },
      {},
      policy
    )
    assert.equal(planned.ok, true)
    if (!planned.ok) return
    const documents = planned.plan.packet.documents
    assert.deepEqual(Object.keys(documents ?? {}), ['proofOfDateOfBirth'])
    const envelope = buildCreatePacketEnvelope(
      { id: '100014728301957', ...planned.plan.packet, ...(documents ? { documents } : {}) },
      {
        source: 'CRVS1',
        schemaVersion: '0.500',
        centerId: '10001',
        machineId: '10004',
        defaultSchemaJson: '{}',
        languages: ['eng']
      },
      't'
    )
    assert.deepEqual(envelope.request.documents, documents)
    assert.equal(mosipCreatePacketRequestSchema.safeParse(envelope).success, true)
  })
})
