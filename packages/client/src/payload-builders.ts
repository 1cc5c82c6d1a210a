import type {
  IntakeDocument,
  MosipCorrectionPayload,
  MosipInteropPayload,
  MosipNotification,
  OpencrvsActionDocument,
  OpencrvsDeclaration,
  OpencrvsEventDocument
} from '@mosip-bridge/contracts'
import {
  mosipAddressFields,
  referenceAdministrativeAreas,
  type AdministrativeAreaResolver
} from './address-fields.js'
import {
  birthInformantSection,
  deathInformantSection,
  fullNameOf,
  readAddress,
  readName,
  readDeceasedNationalId,
  readPsut,
  readText
} from './declaration-fields.js'
import {
  aggregateActionDeclarations,
  declarationWithPendingAction,
  registrationNumberOf
} from './event-document.js'
import {
  isPerLanguageText,
  languageValue,
  mosipDate,
  mosipGender,
  withoutUndefined
} from './mosip-values.js'

/**
 * Builds the bodies the bridge accepts (`MosipInteropPayload`, `MosipCorrectionPayload`) from an
 * OpenCRVS EventDocument, reading the declaration as it will stand once the pending action is
 * accepted.
 */

export type PayloadKind = 'birth' | 'death' | 'correction'

/** What a country's field mapping gets to work with. */
export interface PayloadContext {
  kind: PayloadKind
  event: OpencrvsEventDocument
  /** The action core is waiting for (undefined when nothing is pending). */
  action: OpencrvsActionDocument | undefined
  /** Accepted declarations with the pending action's changes merged in. */
  declaration: OpencrvsDeclaration
  /** The OpenCRVS registration number (birth/death certificate number). */
  registrationNumber: string | undefined
  /** The primary language of `[{language, value}]` fields (the first of `languages`). */
  language: string
  /** Every language of `[{language, value}]` fields, primary first. */
  languages: readonly string[]
}

/**
 * A field value a mapping returns: text, or per-language values (`{ eng: '…', ara: '…' }`), which
 * the builder turns into MOSIP's `[{language, value}]` JSON text with one entry per language of
 * the payload (see `languageValue`). Undefined leaves the field out.
 */
export type MappedFieldValue = string | Readonly<Record<string, string | undefined>> | undefined

/**
 * A country's own MOSIP fields. It receives the defaults this package computed and returns the
 * fields to send: spread `defaults` to extend them, or build a new object to replace them.
 * Undefined values are left out; the certificate number (birth/death) is always set by the
 * builder.
 */
export type FieldMapping = (
  context: PayloadContext,
  defaults: Record<string, string>
) => Record<string, MappedFieldValue>

/** The documents of a payload, given as they are or computed from the record. */
export type PayloadDocuments =
  readonly IntakeDocument[] | ((context: PayloadContext) => readonly IntakeDocument[] | undefined)

export interface PayloadBuilderOptions {
  /** Language code of multi-language values. Default `eng` (or the first of `languages`). */
  language?: string
  /**
   * MOSIP's mandatory languages, primary first (as the bridge's `MOSIP_LANGUAGES`): every
   * multi-language field gets an entry in each. Default `[language]`.
   */
  languages?: readonly string[]
  /**
   * Documents for the packet (category or OpenCRVS type, format, base64 content), e.g. the proof
   * of birth. A country configuration fetches the files of the record (they are references to
   * OpenCRVS's document store in the EventDocument) before building the payload; see also
   * `TriggerHandlerOptions.loadDocuments`.
   */
  documents?: PayloadDocuments
  /** The country's field mapping (see {@link FieldMapping}). */
  fieldMapping?: FieldMapping
  /** OpenCRVS location id → MOSIP administrative levels (default: the reference's). */
  administrativeAreas?: AdministrativeAreaResolver
  /** The MOSIP ID schema (JSON text) to build the packet with; the bridge has a default. */
  schemaJson?: string
  /** Name of this system in audit records. Default `opencrvs-country-config`. */
  hostName?: string
  /** The clock (default: now). */
  now?: () => Date
}

/** A record that cannot become a MOSIP payload (e.g. a correction without the child's NID). */
export class PayloadBuildError extends Error {
  override readonly name = 'PayloadBuildError'
}

export const DEFAULT_LANGUAGE = 'eng'

function contextOf(
  kind: PayloadKind,
  event: OpencrvsEventDocument,
  registrationNumber: string | undefined,
  options: PayloadBuilderOptions
): PayloadContext {
  const pending = declarationWithPendingAction(event)
  const languages =
    options.languages !== undefined && options.languages.length > 0
      ? [...options.languages]
      : [options.language ?? DEFAULT_LANGUAGE]
  return {
    kind,
    event,
    action: pending?.action,
    declaration: pending?.declaration ?? aggregateActionDeclarations(event),
    registrationNumber,
    language: languages[0]!,
    languages
  }
}

/** Recipient of MOSIP's notification: the informant (the mother, father or spouse when they inform). */
export function notificationOf(
  kind: PayloadKind,
  declaration: OpencrvsDeclaration
): MosipNotification {
  const section =
    kind === 'death' ? deathInformantSection(declaration) : birthInformantSection(declaration)
  const name =
    readName(declaration, `${section}.name`) ??
    (section === 'informant' ? undefined : readName(declaration, 'informant.name'))
  return {
    recipientFullName: fullNameOf(name) ?? '',
    recipientEmail: readText(declaration, 'informant.email') ?? '',
    recipientPhone: readText(declaration, 'informant.phoneNo') ?? ''
  }
}

function labelled(entries: Array<[string, string | null | undefined]>): string {
  return JSON.stringify(
    entries
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')
      .map(([label, value]) => ({ label, value }))
  )
}

const REGISTRATION_TYPE: Record<PayloadKind, string> = {
  birth: 'NEW',
  death: 'DEATH',
  correction: 'UPDATE'
}

/**
 * The packet's `metaInfo`: MOSIP's `metaData` and `operationsData` label/value lists (as JSON
 * text) with the OpenCRVS record, action and officer, plus `creationDate`.
 */
export function metaInfoOf(context: PayloadContext, now: Date): Record<string, string> {
  const { event, action } = context
  return {
    metaData: labelled([
      ['registrationType', REGISTRATION_TYPE[context.kind]],
      ['opencrvsEventId', event.id],
      ['opencrvsEventType', event.type],
      ['trackingId', event.trackingId],
      ['registrationNumber', context.registrationNumber],
      ['opencrvsActionId', action?.id],
      ['opencrvsActionType', action?.type]
    ]),
    operationsData: labelled([
      ['officerId', action?.createdBy],
      ['officerRole', action?.createdByRole],
      ['officeId', action?.createdAtLocation]
    ]),
    capturedRegisteredDevices: '[]',
    creationDate: now.toISOString()
  }
}

/** One MOSIP audit entry describing the OpenCRVS action that sends the packet. */
export function auditOf(
  context: PayloadContext,
  now: Date,
  hostName: string
): Record<string, string> {
  const { event, action } = context
  const actionType = action?.type ?? 'REGISTER'
  return withoutUndefined({
    uuid: action?.id ?? event.id,
    createdAt: action?.createdAt ?? event.updatedAt,
    eventId: `OPENCRVS_${actionType}`,
    eventName: `${actionType} ${event.type}`,
    eventType: 'SYSTEM',
    actionTimeStamp: now.toISOString(),
    hostName,
    applicationId: 'OPENCRVS',
    applicationName: 'OpenCRVS',
    sessionUserId: action?.createdBy,
    sessionUserName: action?.createdByRole ?? action?.createdBy,
    id: event.id,
    idType: 'OPENCRVS_EVENT_ID',
    createdBy: action?.createdBy,
    moduleName: 'MOSIP interoperability',
    moduleId: 'OPENCRVS_COUNTRY_CONFIG',
    description: `${actionType} of ${event.type} record ${event.trackingId}`
  })
}

/** The defaults for a birth (before the country's mapping). */
export function defaultBirthFields(
  context: PayloadContext,
  resolveArea: AdministrativeAreaResolver = referenceAdministrativeAreas
): Record<string, string> {
  const { declaration: d, languages: language } = context
  const address =
    readAddress(d, 'mother.address') ??
    readAddress(d, 'father.address') ??
    readAddress(d, 'informant.address')
  const parent = readName(d, 'mother.name') ?? readName(d, 'father.name')
  return withoutUndefined({
    fullName: languageValue(fullNameOf(readName(d, 'child.name')), language),
    dateOfBirth: mosipDate(d['child.dob']),
    gender: languageValue(mosipGender(readText(d, 'child.gender')), language),
    guardianOrParentName: languageValue(fullNameOf(parent), language),
    ...mosipAddressFields(address, language, resolveArea),
    email: readText(d, 'informant.email'),
    phone: readText(d, 'informant.phoneNo')
  })
}

/** The defaults for a death (before the country's mapping). */
export function defaultDeathFields(
  context: PayloadContext,
  resolveArea: AdministrativeAreaResolver = referenceAdministrativeAreas
): Record<string, string> {
  const { declaration: d, languages: language } = context
  return withoutUndefined({
    UIN: readDeceasedNationalId(d),
    fullName: languageValue(fullNameOf(readName(d, 'deceased.name')), language),
    dateOfBirth: mosipDate(d['deceased.dob']),
    gender: languageValue(mosipGender(readText(d, 'deceased.gender')), language),
    deathDeclared: 'yes',
    dateOfDeath: mosipDate(d['eventDetails.date']),
    ...mosipAddressFields(readAddress(d, 'deceased.address'), language, resolveArea)
  })
}

/** The defaults for a biographic update of a registered child (before the country's mapping). */
export function defaultCorrectionFields(context: PayloadContext): Record<string, string> {
  const { declaration: d, languages: language } = context
  return withoutUndefined({
    VID: readText(d, 'child.nid'),
    fullName: languageValue(fullNameOf(readName(d, 'child.name')), language),
    dateOfBirth: mosipDate(d['child.dob']),
    gender: languageValue(mosipGender(readText(d, 'child.gender')), language),
    introducerInfoToken: readPsut(d, birthInformantSection(d))
  })
}

function mapped(
  context: PayloadContext,
  defaults: Record<string, string>,
  options: PayloadBuilderOptions
): Record<string, string> {
  if (!options.fieldMapping) return defaults
  const fields: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(options.fieldMapping(context, defaults))) {
    fields[key] =
      typeof value === 'string' || value === undefined
        ? value
        : isPerLanguageText(value)
          ? languageValue(value, context.languages)
          : undefined
  }
  return withoutUndefined(fields)
}

function documentsOf(
  context: PayloadContext,
  options: PayloadBuilderOptions
): { documents?: IntakeDocument[] } {
  const given =
    typeof options.documents === 'function' ? options.documents(context) : options.documents
  return given !== undefined && given.length > 0 ? { documents: [...given] } : {}
}

function envelope(
  context: PayloadContext,
  options: PayloadBuilderOptions
): Omit<MosipInteropPayload, 'requestFields'> {
  const now = options.now?.() ?? new Date()
  return {
    trackingId: context.event.trackingId,
    notification: notificationOf(context.kind, context.declaration),
    ...(options.schemaJson !== undefined ? { schemaJson: options.schemaJson } : {}),
    metaInfo: metaInfoOf(context, now),
    audit: auditOf(context, now, options.hostName ?? 'opencrvs-country-config'),
    ...documentsOf(context, options)
  }
}

/**
 * `register` body for a birth: `birthCertificateNumber` = the registration number, the child's
 * name, date of birth and gender, the family's address, the informant's email and phone.
 */
export function buildBirthRegistrationPayload(
  event: OpencrvsEventDocument,
  registrationNumber: string,
  options: PayloadBuilderOptions = {}
): MosipInteropPayload {
  const context = contextOf('birth', event, registrationNumber, options)
  const defaults = defaultBirthFields(context, options.administrativeAreas)
  const { deathCertificateNumber: _never, ...fields } = mapped(context, defaults, options)
  return {
    ...envelope(context, options),
    requestFields: { ...fields, birthCertificateNumber: registrationNumber }
  }
}

/**
 * `register` body for a death: `deathCertificateNumber` = the registration number, the
 * deceased's UIN (their national id), name, dates and address.
 */
export function buildDeathRegistrationPayload(
  event: OpencrvsEventDocument,
  registrationNumber: string,
  options: PayloadBuilderOptions = {}
): MosipInteropPayload {
  const context = contextOf('death', event, registrationNumber, options)
  const defaults = defaultDeathFields(context, options.administrativeAreas)
  const { birthCertificateNumber: _never, ...fields } = mapped(context, defaults, options)
  return {
    ...envelope(context, options),
    requestFields: { ...fields, deathCertificateNumber: registrationNumber }
  }
}

/**
 * `updateBiographics` body for a corrected birth: the child's national id as `VID`, the
 * corrected name, date of birth and gender, and the informant's E-Signet PSUT when there is one.
 * Throws {@link PayloadBuildError} when the child has no national id.
 */
export function buildCorrectionPayload(
  event: OpencrvsEventDocument,
  options: PayloadBuilderOptions = {}
): MosipCorrectionPayload {
  const context = contextOf('correction', event, registrationNumberOf(event), options)
  const fields = mapped(context, defaultCorrectionFields(context), options)
  const { VID, fullName, dateOfBirth, gender, introducerInfoToken } = fields
  if (VID === undefined) {
    throw new PayloadBuildError('the child has no national id (child.nid) to update in MOSIP')
  }
  return {
    ...envelope(context, options),
    requestFields: withoutUndefined({
      VID,
      fullName,
      dateOfBirth,
      gender,
      introducerInfoToken
    }) as {
      VID: string
    } & Record<string, string>
  }
}
