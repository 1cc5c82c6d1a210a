/**
 * A realistic MOSIP ID schema (shaped like the "Tonga identity" schema OpenCRVS ships) and a
 * createPacket request for a birth built on it, for tests, the sandbox and demos.
 */
import type { MosipCreatePacketRequest } from '@mosip-bridge/contracts'

const simpleType = '#/definitions/simpleType'
const documentType = '#/definitions/documentType'
const biometricsType = '#/definitions/biometricsType'

/** `YYYY/MM/DD` as the ID schema's `dateOfBirth` validator spells it. */
export const MOSIP_DATE_OF_BIRTH_REGEX =
  '^(1869|18[7-9][0-9]|19[0-9][0-9]|20[0-9][0-9])/([0][1-9]|1[0-2])/([0][1-9]|[1-2][0-9]|3[01])$'

function regex(validator: string): Array<{ type: string; validator: string; arguments: [] }> {
  return [{ type: 'regex', validator, arguments: [] }]
}

function field(
  attributes: Record<string, unknown> & { fieldCategory: string }
): Record<string, unknown> {
  return { bioAttributes: [], format: 'none', fieldType: 'default', ...attributes }
}

/** The ID schema as an object; `SAMPLE_ID_SCHEMA_JSON` is what createPacket takes. */
export const SAMPLE_ID_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  description: 'Sample identity schema (mosip-bridge simulators)',
  additionalProperties: false,
  title: 'Sample identity',
  type: 'object',
  definitions: {
    simpleType: {
      uniqueItems: true,
      additionalItems: false,
      type: 'array',
      items: {
        additionalProperties: false,
        type: 'object',
        required: ['language', 'value'],
        properties: { language: { type: 'string' }, value: { type: 'string' } }
      }
    },
    documentType: {
      additionalProperties: false,
      type: 'object',
      properties: {
        format: { type: 'string' },
        type: { type: 'string' },
        value: { type: 'string' },
        refNumber: { type: ['string', 'null'] }
      }
    },
    biometricsType: {
      additionalProperties: false,
      type: 'object',
      properties: {
        format: { type: 'string' },
        version: { type: 'number', minimum: 0 },
        value: { type: 'string' }
      }
    }
  },
  properties: {
    identity: {
      additionalProperties: false,
      type: 'object',
      required: ['IDSchemaVersion', 'fullName', 'dateOfBirth', 'gender', 'addressLine1'],
      properties: {
        IDSchemaVersion: field({ type: 'number', fieldCategory: 'none', minimum: 0 }),
        fullName: field({
          $ref: simpleType,
          fieldCategory: 'pvt',
          validators: regex('^(?=.{3,50}$).*')
        }),
        dateOfBirth: field({
          type: 'string',
          fieldCategory: 'pvt',
          validators: regex(MOSIP_DATE_OF_BIRTH_REGEX)
        }),
        gender: field({ $ref: simpleType, fieldCategory: 'pvt' }),
        addressLine1: field({ $ref: simpleType, fieldCategory: 'pvt' }),
        addressLine2: field({ $ref: simpleType, fieldCategory: 'pvt' }),
        addressLine3: field({ $ref: simpleType, fieldCategory: 'pvt' }),
        city: field({ $ref: simpleType, fieldCategory: 'pvt' }),
        province: field({ $ref: simpleType, fieldCategory: 'pvt' }),
        region: field({ $ref: simpleType, fieldCategory: 'pvt' }),
        zone: field({ $ref: simpleType, fieldCategory: 'pvt' }),
        postalCode: field({
          type: 'string',
          fieldCategory: 'pvt',
          validators: regex('^[(?i)A-Z0-9]{5}$|^NA$')
        }),
        phone: field({
          type: 'string',
          fieldCategory: 'pvt',
          validators: regex('^[+]*([0-9]{1})([0-9]{9})$')
        }),
        email: field({
          type: 'string',
          fieldCategory: 'pvt',
          validators: regex(
            '^[A-Za-z0-9_\\-]+(\\.[A-Za-z0-9_]+)*@[A-Za-z0-9_-]+(\\.[A-Za-z0-9_]+)*(\\.[a-zA-Z]{2,})$'
          )
        }),
        guardianOrParentName: field({ $ref: simpleType, fieldCategory: 'pvt' }),
        guardianOrParentBirthCertificateNumber: field({
          type: 'string',
          fieldCategory: 'pvt',
          handle: true
        }),
        birthCertificateNumber: field({ type: 'string', fieldCategory: 'pvt', handle: true }),
        nationalIdNumber: field({ type: 'string', fieldCategory: 'pvt', handle: true }),
        passportNumber: field({ type: 'string', fieldCategory: 'pvt', handle: true }),
        referenceIdentityNumber: field({
          type: 'string',
          fieldCategory: 'pvt',
          validators: regex('^([0-9]{10,30})$')
        }),
        introducerName: field({ $ref: simpleType, fieldCategory: 'evidence' }),
        introducerRID: field({ type: 'string', fieldCategory: 'evidence' }),
        introducerUIN: field({ type: 'string', fieldCategory: 'evidence' }),
        introducerInfoToken: field({ $ref: simpleType, fieldCategory: 'evidence' }),
        UIN: field({ type: 'string', fieldCategory: 'none' }),
        vid: field({ type: 'string', fieldCategory: 'none' }),
        VID: field({ type: 'string', fieldCategory: 'none' }),
        deathDeclared: field({
          type: 'string',
          fieldCategory: 'kyc',
          validators: regex('^(yes|no)$')
        }),
        dateOfDeath: field({
          type: 'string',
          fieldCategory: 'kyc',
          validators: regex(
            '^(1819|18[7-9][0-9]|19[0-9][0-9]|20[0-9][0-9])/([0][1-9]|1[0-2])/([0][1-9]|[1-2][0-9]|3[01])$'
          )
        }),
        deceasedStatus: field({ type: 'boolean', fieldCategory: 'kyc', format: 'kyc' }),
        preferredLang: field({ type: 'string', fieldCategory: 'optional', fieldType: 'dynamic' }),
        selectedHandles: field({
          type: 'array',
          items: { type: 'string' },
          fieldCategory: 'none'
        }),
        proofOfIdentity: field({ $ref: documentType, fieldCategory: 'evidence' }),
        proofOfRelationship: field({ $ref: documentType, fieldCategory: 'evidence' }),
        proofOfDateOfBirth: field({ $ref: documentType, fieldCategory: 'evidence' }),
        individualBiometrics: field({
          $ref: biometricsType,
          fieldCategory: 'none',
          bioAttributes: ['leftEye', 'rightEye', 'face']
        })
      }
    }
  }
} as const

export const SAMPLE_ID_SCHEMA_JSON = JSON.stringify(SAMPLE_ID_SCHEMA)

const SAMPLE_META_DATA =
  '[{\n  "label" : "registrationType",\n  "value" : "CRVS_NEW"\n}, {\n  "label" : "machineId",\n  "value" : "10003"\n}, {\n  "label" : "centerId",\n  "value" : "10002"\n}]'

const SAMPLE_OPERATIONS_DATA =
  '[{\n  "label" : "officerId",\n  "value" : "sithara.bevolv"\n}, {\n  "label" : "officerPIN",\n  "value" : null\n}, {\n  "label" : "officerPassword",\n  "value" : "true"\n}, {\n  "label" : "officerBiometricFileName",\n  "value" : null\n}, {\n  "label" : "supervisorId",\n  "value" : null\n}, {\n  "label" : "supervisorPIN",\n  "value" : null\n}, {\n  "label" : "supervisorBiometricFileName",\n  "value" : null\n}, {\n  "label" : "supervisorPassword",\n  "value" : null\n}, {\n  "label" : "supervisorOTPAuthentication",\n  "value" : null\n}, {\n  "label" : "officerOTPAuthentication",\n  "value" : null\n}]'

/** `[{"language":"eng","value":…}]` as a string, the way `fields` carries multi-language values. */
export function simpleTypeValue(value: string, language = 'eng'): string {
  return JSON.stringify([{ language, value }])
}

/** The `fields` of a sample birth, as OpenCRVS sends them: multilingual values as JSON strings. */
export function sampleBirthFields(): Record<string, string> {
  return {
    fullName: simpleTypeValue('Leo Bwalya'),
    dateOfBirth: '2025/03/14',
    gender: simpleTypeValue('Male'),
    guardianOrParentName: simpleTypeValue('Mary Bwalya'),
    birthCertificateNumber: '2025B4XK2LQ',
    addressLine1: simpleTypeValue('12 Palm Rd'),
    introducerInfoToken: simpleTypeValue('<E-Signet userinfo JWT of informant>'),
    IDSchemaVersion: '0.1'
  }
}

/**
 * A createPacket request for a birth (`CRVS_NEW` from `OPENCRVS`) with the sample schema. `overrides` replace top-level `request` keys; `fields` replaces the fields entirely.
 */
export function sampleCreatePacketRequest(
  overrides: Partial<MosipCreatePacketRequest['request']> & { id?: string } = {}
): MosipCreatePacketRequest {
  const id = overrides.id ?? '100014728301957'
  return {
    id: 'string',
    version: 'string',
    requesttime: new Date().toISOString(),
    request: {
      id,
      refId: '10001_10004',
      offlineMode: false,
      process: 'CRVS_NEW',
      source: 'OPENCRVS',
      schemaVersion: '0.100',
      fields: sampleBirthFields(),
      metaInfo: {
        metaData: SAMPLE_META_DATA,
        registrationId: '652042703244',
        operationsData: SAMPLE_OPERATIONS_DATA,
        capturedRegisteredDevices: '[]',
        creationDate: '202503121345'
      },
      audits: [
        {
          uuid: '3b1f0c1e-6d0a-4b1f-9a4c-2f3d5e6a7b8c',
          createdAt: '2025-04-17T07:30:00.000Z',
          eventId: 'OPENCRVS_CREATE_PACKET',
          eventName: 'opencrvs packet created',
          eventType: 'OPENCRVS',
          hostName: 'opencrvs',
          hostIp: '10.0.0.1',
          applicationId: 'opencrvs',
          applicationName: 'OPENCRVS',
          sessionUserId: 'registrar',
          sessionUserName: 'registrar',
          id,
          idType: 'REGISTRATION_ID',
          createdBy: 'registrar',
          moduleName: 'opencrvs',
          moduleId: 'OPENCRVS',
          description: 'packet created',
          actionTimeStamp: '2025-04-17T07:30:00.000Z'
        }
      ],
      schemaJson: SAMPLE_ID_SCHEMA_JSON,
      ...overrides
    }
  }
}
