/**
 * The bridge's default MOSIP ID schema, sent as `schemaJson` in createPacket when the OpenCRVS
 * payload brings none. The packet manager writes only the `fields` named under
 * `properties.identity.properties` into the packet and silently drops the rest, and it uses each
 * field's `fieldCategory` to choose the sub-packet. Registration processor validates the packet
 * later against the schema deployed in MOSIP masterdata, so deployments with their own ID schema
 * should send it (or set `schemaVersion` to match theirs).
 *
 * Covered: the identity fields the bridge and the reference client send for births (CRVS_NEW),
 * deaths (CRVS_DEATH) and biographic updates (CRVS_UPDATE), and the document fields of MOSIP's
 * document categories. `deathCertificateNumber` is left out
 * on purpose: the reference strips it before sending because MOSIP schemas do not define it, and
 * leaving it undefined here keeps it out of packets even if a caller forgets to strip it.
 *
 * `required` lists only IDSchemaVersion (which the packet manager fills from `schemaVersion`):
 * updates and deaths carry few fields, and completeness is MOSIP's rule to apply, not ours.
 */

/** `YYYY/MM/DD`, years 1800–2999, months 01–12, days 01–31 (MOSIP's date format). */
export const MOSIP_DATE_PATTERN =
  '^(1[89]|2[0-9])[0-9]{2}/(0[1-9]|1[0-2])/(0[1-9]|[12][0-9]|3[01])$'

type FieldCategory = 'pvt' | 'kyc' | 'evidence' | 'none' | 'optional'

interface SchemaField {
  $ref?: string
  type?: string
  items?: { type: string }
  fieldCategory: FieldCategory
  format: string
  fieldType: 'default' | 'dynamic'
  bioAttributes?: string[]
  validators?: Array<{ validator: string; arguments: string[]; type: 'regex' }>
  handle?: true
  description?: string
}

function multiLanguage(fieldCategory: FieldCategory = 'pvt'): SchemaField {
  return { $ref: '#/definitions/simpleType', fieldCategory, format: 'none', fieldType: 'default' }
}

function text(fieldCategory: FieldCategory = 'pvt', extra: Partial<SchemaField> = {}): SchemaField {
  return { type: 'string', fieldCategory, format: 'none', fieldType: 'default', ...extra }
}

function document(): SchemaField {
  return {
    $ref: '#/definitions/documentType',
    fieldCategory: 'evidence',
    format: 'none',
    fieldType: 'default'
  }
}

function handle(): SchemaField {
  return text('pvt', { handle: true })
}

function date(description: string): SchemaField {
  return text('pvt', {
    description,
    validators: [{ validator: MOSIP_DATE_PATTERN, arguments: [], type: 'regex' }]
  })
}

const identityProperties: Record<string, SchemaField> = {
  IDSchemaVersion: { type: 'number', fieldCategory: 'none', format: 'none', fieldType: 'default' },

  // Identifiers
  UIN: text('none'),
  VID: text('none', { description: 'VID of the person (biographic updates send it)' }),
  vid: text('none'),
  nationalIdNumber: handle(),
  birthCertificateNumber: handle(),
  referenceIdentityNumber: text('pvt'),
  selectedHandles: {
    type: 'array',
    items: { type: 'string' },
    fieldCategory: 'none',
    format: 'none',
    fieldType: 'default'
  },

  // Person
  fullName: multiLanguage(),
  dateOfBirth: date('Date of birth, YYYY/MM/DD'),
  gender: multiLanguage(),
  residenceStatus: multiLanguage(),
  preferredLang: { ...text('pvt'), fieldType: 'dynamic' },

  // Address and contact
  addressLine1: multiLanguage(),
  addressLine2: multiLanguage(),
  addressLine3: multiLanguage(),
  region: multiLanguage(),
  province: multiLanguage(),
  city: multiLanguage(),
  zone: multiLanguage(),
  district: multiLanguage(),
  village: multiLanguage(),
  postalCode: text('kyc'),
  email: text('pvt'),
  phone: text('pvt'),

  // Parents and guardians
  guardianOrParentName: multiLanguage(),
  guardianOrParentBirthCertificateNumber: handle(),

  // Introducer (informant); introducerInfoToken carries the E-Signet userinfo of the informant
  introducerRID: text('evidence'),
  introducerUIN: text('evidence'),
  introducerName: multiLanguage('evidence'),
  introducerInfoToken: multiLanguage('evidence'),
  introducerBiometrics: {
    $ref: '#/definitions/biometricsType',
    fieldCategory: 'evidence',
    format: 'none',
    fieldType: 'default',
    bioAttributes: ['leftEye', 'rightEye', 'leftThumb', 'rightThumb', 'face']
  },

  // Documents (MOSIP categories POB, POI, POA, POR, POE; MOSIP_DOCUMENT_FIELDS)
  proofOfDateOfBirth: document(),
  proofOfIdentity: document(),
  proofOfAddress: document(),
  proofOfRelationship: document(),
  proofOfException: document(),

  // Death
  deathDeclared: text('pvt', { description: 'yes or no' }),
  dateOfDeath: date('Date of death, YYYY/MM/DD'),
  deceasedStatus: { type: 'boolean', fieldCategory: 'kyc', format: 'none', fieldType: 'default' }
}

const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  description: 'MOSIP ID schema of the OpenCRVS-MOSIP bridge (births, deaths, updates)',
  additionalProperties: false,
  title: 'OpenCRVS bridge identity',
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
        properties: {
          language: { type: 'string' },
          value: { type: 'string' }
        }
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
      required: ['IDSchemaVersion'],
      properties: identityProperties
    }
  }
}

/** The default ID schema as the JSON string createPacket expects in `schemaJson`. */
export const DEFAULT_ID_SCHEMA_JSON: string = JSON.stringify(schema)
