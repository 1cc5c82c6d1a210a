import type { OpencrvsDeclaration } from '@mosip-bridge/contracts'

/**
 * Typed reads of declaration values. A declaration is untrusted JSON keyed by
 * dotted field id; every reader returns undefined for an absent, empty or mis-shaped value
 * instead of throwing, so that rules and builders can treat "missing" uniformly.
 */

/** `{firstname, surname, middlename?}` (NameFieldValue). */
export interface PersonName {
  firstname?: string
  middlename?: string
  surname?: string
}

/** An ADDRESS field value, DOMESTIC or INTERNATIONAL. */
export interface AddressValue {
  country?: string
  addressType?: string
  /** DOMESTIC: the leaf location's id. */
  administrativeArea?: string
  streetLevelDetails: Record<string, string>
}

/** The verification statuses the E-Signet / ID reader fields store in `<section>.verified`. */
export type VerificationStatus = 'verified' | 'authenticated' | 'failed' | 'pending'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function trimmed(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  return text === '' ? undefined : text
}

/** A text value (TEXT, EMAIL, PHONE, SELECT, RADIO…), trimmed; undefined when empty. */
export function readText(declaration: OpencrvsDeclaration, fieldId: string): string | undefined {
  return trimmed(declaration[fieldId])
}

/** A name value; undefined unless at least one part is present. */
export function readName(
  declaration: OpencrvsDeclaration,
  fieldId: string
): PersonName | undefined {
  const value = declaration[fieldId]
  if (!isRecord(value)) return undefined
  const name: PersonName = {}
  const firstname = trimmed(value.firstname)
  const middlename = trimmed(value.middlename)
  const surname = trimmed(value.surname)
  if (firstname) name.firstname = firstname
  if (middlename) name.middlename = middlename
  if (surname) name.surname = surname
  return firstname || middlename || surname ? name : undefined
}

/** "firstname middlename surname", single-spaced, skipping absent parts. */
export function fullNameOf(name: PersonName | undefined): string | undefined {
  if (!name) return undefined
  const text = [name.firstname, name.middlename, name.surname]
    .filter((part): part is string => part !== undefined)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim()
  return text === '' ? undefined : text
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** A calendar date `{year, month (1-12), day}`. */
export interface CalendarDate {
  year: number
  month: number
  day: number
}

/** Parses a DateValue `YYYY-MM-DD`; undefined unless it is a real calendar date. */
export function parseDateValue(value: unknown): CalendarDate | undefined {
  const text = trimmed(value)
  const match = text ? ISO_DATE.exec(text) : null
  if (!match) return undefined
  const year = Number(match[1])
  const month = Number(match[2])
  const day = Number(match[3])
  const check = new Date(Date.UTC(year, month - 1, day))
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day
  ) {
    return undefined
  }
  return { year, month, day }
}

/** A date field, parsed; undefined when absent or not a valid `YYYY-MM-DD`. */
export function readDate(
  declaration: OpencrvsDeclaration,
  fieldId: string
): CalendarDate | undefined {
  return parseDateValue(declaration[fieldId])
}

/** An ADDRESS value; undefined when absent or not an object. */
export function readAddress(
  declaration: OpencrvsDeclaration,
  fieldId: string
): AddressValue | undefined {
  const value = declaration[fieldId]
  if (!isRecord(value)) return undefined
  const details: Record<string, string> = {}
  if (isRecord(value.streetLevelDetails)) {
    for (const [key, part] of Object.entries(value.streetLevelDetails)) {
      const text = trimmed(part)
      if (text) details[key] = text
    }
  }
  const address: AddressValue = { streetLevelDetails: details }
  const country = trimmed(value.country)
  const addressType = trimmed(value.addressType)
  const administrativeArea = trimmed(value.administrativeArea)
  if (country) address.country = country
  if (addressType) address.addressType = addressType
  if (administrativeArea) address.administrativeArea = administrativeArea
  return address
}

/** `<section>.verified`, lower-cased; undefined when absent or not one of the four statuses. */
export function readVerificationStatus(
  declaration: OpencrvsDeclaration,
  section: string
): VerificationStatus | undefined {
  const value = readText(declaration, `${section}.verified`)?.toLowerCase()
  return value === 'verified' ||
    value === 'authenticated' ||
    value === 'failed' ||
    value === 'pending'
    ? value
    : undefined
}

/**
 * The E-Signet PSUT (`sub`) of a section, from `<section>.verify-nid-http-fetch`'s `data.sub`
 * (newer forms only); undefined when the person was not authenticated through E-Signet.
 */
export function readPsut(declaration: OpencrvsDeclaration, section: string): string | undefined {
  const fetched = declaration[`${section}.verify-nid-http-fetch`]
  if (!isRecord(fetched) || !isRecord(fetched.data)) return undefined
  return trimmed(fetched.data.sub)
}

/**
 * The form section that holds a birth informant's details: `mother` or `father` when one of them
 * informs (the informant page then asks nothing more about them), otherwise `informant`.
 */
export function birthInformantSection(declaration: OpencrvsDeclaration): string {
  const relation = readText(declaration, 'informant.relation')?.toUpperCase()
  if (relation === 'MOTHER') return 'mother'
  if (relation === 'FATHER') return 'father'
  return 'informant'
}

/** The section with a death informant's details: `spouse` when the spouse informs. */
/** The deceased's national id when the form says it is one (or does not say). */
export function readDeceasedNationalId(declaration: OpencrvsDeclaration): string | undefined {
  const idType = readText(declaration, 'deceased.idType')?.toUpperCase()
  return idType === undefined || idType === 'NATIONAL_ID'
    ? readText(declaration, 'deceased.nid')
    : undefined
}

export function deathInformantSection(declaration: OpencrvsDeclaration): string {
  return readText(declaration, 'informant.relation')?.toUpperCase() === 'SPOUSE'
    ? 'spouse'
    : 'informant'
}
