/**
 * How the packet manager reads an ID schema (`PacketWriterImpl.loadSchemaFields`) and how
 * registration processing later checks identity values against the schema's validators.
 */

/** `PacketWriterImpl.categorySubpacketMapping`. */
const CATEGORY_SUBPACKETS: Record<string, readonly string[]> = {
  pvt: ['id'],
  kyc: ['id'],
  none: ['id', 'evidence', 'optional'],
  evidence: ['evidence'],
  optional: ['optional']
}

/** The order sub-packets are reported in (as MOSIP's HashMap iterates them). */
const SUBPACKET_ORDER = ['evidence', 'optional', 'id'] as const

export interface IdSchemaField {
  name: string
  /** `$ref` if present, else `type` (the packet manager needs one of them). */
  type: string
  subpackets: readonly string[]
  validators: RegExp[]
}

export interface IdSchema {
  fields: Map<string, IdSchemaField>
  /** Sub-packets that will be written, in reporting order. */
  subpackets: string[]
  /** `properties.identity.required`. */
  required: string[]
}

type IdSchemaResult = { ok: true; schema: IdSchema } | { ok: false; reason: string }

function javaRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern)
  } catch {
    // Java accepts inline flags such as a leading `(?i)`; JavaScript needs them as flags.
    if (pattern.startsWith('(?i)')) {
      try {
        return new RegExp(pattern.slice(4), 'i')
      } catch {
        return undefined
      }
    }
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Reads `properties.identity.properties` of a schema JSON string. Fails like MOSIP: unparsable
 * JSON, a missing `properties.identity.properties`, a field without `$ref`/`type` or an unknown
 * `fieldCategory`.
 */
export function loadIdSchema(schemaJson: string | null): IdSchemaResult {
  if (schemaJson === null) return { ok: false, reason: 'schemaJson is null' }
  let parsed: unknown
  try {
    parsed = JSON.parse(schemaJson)
  } catch {
    return { ok: false, reason: 'schemaJson is not JSON' }
  }
  const properties =
    isRecord(parsed) &&
    isRecord(parsed.properties) &&
    isRecord(parsed.properties.identity) &&
    isRecord(parsed.properties.identity.properties)
      ? parsed.properties.identity.properties
      : undefined
  if (!properties) return { ok: false, reason: 'properties.identity.properties not found' }
  const identity = (parsed as { properties: { identity: Record<string, unknown> } }).properties
    .identity
  const required = Array.isArray(identity.required)
    ? identity.required.filter((name): name is string => typeof name === 'string')
    : []
  const fields = new Map<string, IdSchemaField>()
  const used = new Set<string>()
  for (const [name, detail] of Object.entries(properties)) {
    if (!isRecord(detail)) return { ok: false, reason: `field ${name} is not an object` }
    const type =
      typeof detail.$ref === 'string'
        ? detail.$ref
        : typeof detail.type === 'string'
          ? detail.type
          : undefined
    if (type === undefined) return { ok: false, reason: `field ${name} has neither $ref nor type` }
    const category =
      typeof detail.fieldCategory === 'string' ? detail.fieldCategory.toLowerCase() : 'none'
    const subpackets = CATEGORY_SUBPACKETS[category]
    if (!subpackets) return { ok: false, reason: `field ${name} has fieldCategory ${category}` }
    subpackets.forEach((subpacket) => used.add(subpacket))
    const validators: RegExp[] = []
    if (Array.isArray(detail.validators)) {
      for (const validator of detail.validators) {
        if (!isRecord(validator) || typeof validator.validator !== 'string') continue
        if (typeof validator.type === 'string' && validator.type.toLowerCase() !== 'regex') continue
        const compiled = javaRegex(validator.validator)
        if (compiled) validators.push(compiled)
      }
    }
    fields.set(name, { name, type, subpackets, validators })
  }
  return {
    ok: true,
    schema: { fields, subpackets: SUBPACKET_ORDER.filter((name) => used.has(name)), required }
  }
}

/**
 * `RegistrationPacket.setField`: a value that reads as a JSON array or object is stored as that
 * structure; anything else stays the string it was.
 */
export function parseIdentityValue(value: string): unknown {
  const trimmed = value.trim()
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return value
  try {
    return JSON.parse(trimmed) as unknown
  } catch {
    return value
  }
}

const DATE_FORMAT = /^\d{4}\/(0[1-9]|1[0-2])\/(0[1-9]|[12]\d|3[01])$/

/** The strings a validator applies to: the value itself, or each `value` of a simpleType list. */
function validatedStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) {
    return value.flatMap((item) =>
      isRecord(item) && typeof item.value === 'string' ? [item.value] : []
    )
  }
  return []
}

/**
 * Checks identity values against the schema's regex validators, as registration processing's ID
 * object validation does (a failure there rejects the packet). Date fields without a validator
 * must still be `YYYY/MM/DD`. Returns one message per problem.
 */
export function validateIdentity(schema: IdSchema, identity: Record<string, unknown>): string[] {
  const issues: string[] = []
  for (const [name, value] of Object.entries(identity)) {
    const field = schema.fields.get(name)
    if (!field) continue
    const strings = validatedStrings(value)
    const validators =
      field.validators.length > 0 ? field.validators : /^date/i.test(name) ? [DATE_FORMAT] : []
    for (const validator of validators) {
      for (const text of strings) {
        if (!validator.test(text))
          issues.push(`${name}: "${text}" does not match ${validator.source}`)
      }
    }
  }
  return issues
}

/**
 * The deployment settings registration processing's ID object validation checks a packet against
 * besides the schema's validators (MOSIP's `mosip.mandatory-languages`,
 * `mosip.optional-languages`, the document formats masterdata allows, and the documents the
 * deployment requires).
 */
export interface IdValidationSettings {
  /** Every simpleType value must have an entry in each (ISO 639-3 codes). Default `['eng']`. */
  mandatoryLanguages: string[]
  /** Further languages a simpleType value may have. Default none. */
  optionalLanguages: string[]
  /** Formats a document may have (lower case). Default pdf, jpg, jpeg, png. */
  allowedDocumentFormats: string[]
  /** documentType fields every packet must carry a document for. Default none. */
  requiredDocuments: string[]
  /**
   * Per process, the fields ID validation requires (MOSIP's
   * `mosip.kernel.idobjectvalidator.mandatory-attributes.reg-processor.<process>`). MOSIP reports
   * a field missing only when the schema's `required` list has it too; `schema` requires the
   * whole list. A process not listed requires `IDSchemaVersion` only, as MOSIP configures
   * updates: a death or an update packet carries just what changed. Default: the schema's list
   * for new registrations (`CRVS_NEW`, `NEW`).
   */
  mandatoryAttributes: Record<string, 'schema' | string[]>
}

export const DEFAULT_ID_VALIDATION: IdValidationSettings = {
  mandatoryLanguages: ['eng'],
  optionalLanguages: [],
  allowedDocumentFormats: ['pdf', 'jpg', 'jpeg', 'png'],
  requiredDocuments: [],
  mandatoryAttributes: { CRVS_NEW: 'schema', NEW: 'schema' }
}

/** MOSIP's ID object validator's error for a required field the packet lacks. */
export const ID_OBJECT_MISSING_INPUT = 'KER-IOV-005'

/**
 * Required fields the identity lacks, as MOSIP's ID object validator reports them:
 * `KER-IOV-005 Missing Input Parameter - identity/<field>`, for each field both the schema and
 * the process's mandatory attributes require.
 */
export function validateRequired(
  schema: IdSchema,
  identity: Record<string, unknown>,
  process: string,
  settings: IdValidationSettings
): string[] {
  const mandatory = settings.mandatoryAttributes[process] ?? ['IDSchemaVersion']
  return schema.required
    .filter((name) => mandatory === 'schema' || mandatory.includes(name))
    .filter((name) => identity[name] === undefined || identity[name] === null)
    .map((name) => `${ID_OBJECT_MISSING_INPUT} Missing Input Parameter - identity/${name}`)
}

function isSimpleType(field: IdSchemaField): boolean {
  return /(^|\/)simpleType$/.test(field.type)
}

export function isDocumentType(field: IdSchemaField): boolean {
  return /(^|\/)documentType$/.test(field.type)
}

/**
 * Languages of the identity's simpleType values: each must hold an entry for every mandatory
 * language and none in a language the deployment does not support.
 */
export function validateLanguages(
  schema: IdSchema,
  identity: Record<string, unknown>,
  settings: IdValidationSettings
): string[] {
  const issues: string[] = []
  const supported = new Set([...settings.mandatoryLanguages, ...settings.optionalLanguages])
  for (const [name, value] of Object.entries(identity)) {
    const field = schema.fields.get(name)
    if (!field || !isSimpleType(field)) continue
    if (!Array.isArray(value)) {
      issues.push(`${name}: not a list of {language, value}`)
      continue
    }
    const languages = value.flatMap((item) =>
      isRecord(item) && typeof item.language === 'string' ? [item.language] : []
    )
    for (const language of settings.mandatoryLanguages) {
      if (!languages.includes(language))
        issues.push(`${name}: no value in mandatory language ${language}`)
    }
    for (const language of languages) {
      if (!supported.has(language)) issues.push(`${name}: language ${language} is not supported`)
    }
  }
  return issues
}

/** A document of the packet as the packet store keeps it (its file decoded). */
export interface PacketDocument {
  value: string | null
  type: string | null
  format: string | null
  refNumber: string | null
  /** Size of the decoded file, in bytes. */
  size: number
  /** The file as standard base64. */
  content: string
}

/**
 * Documents against the schema and the deployment: each on a documentType field, of an allowed
 * format, not empty; every required document present.
 */
export function validateDocuments(
  schema: IdSchema,
  documents: Record<string, PacketDocument>,
  settings: IdValidationSettings
): string[] {
  const issues: string[] = []
  const formats = new Set(settings.allowedDocumentFormats.map((format) => format.toLowerCase()))
  for (const [name, document] of Object.entries(documents)) {
    const field = schema.fields.get(name)
    if (field && !isDocumentType(field)) issues.push(`${name}: not a document field`)
    const format = document.format?.toLowerCase() ?? ''
    if (!formats.has(format))
      issues.push(`${name}: document format ${JSON.stringify(format)} is not allowed`)
    if (document.size === 0) issues.push(`${name}: the document is empty`)
    if (!document.type) issues.push(`${name}: the document has no type`)
  }
  for (const name of settings.requiredDocuments) {
    if (!(name in documents)) issues.push(`${name}: required document missing`)
  }
  return issues
}
