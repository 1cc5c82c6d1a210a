import { IDA_DOB_PATTERN, type IdaError, type IdaLanguageValue } from '@mosip-bridge/contracts'
import { idaErrors, IdaRejection } from './ida-errors.js'
import { valuesIn, type IdaIdentity } from './ida-identity.js'

/** The demographic attributes of one request, checked for shape. */
interface RequestedDemographics {
  name?: IdaLanguageValue[]
  dob?: string
  gender?: IdaLanguageValue[]
  phoneNumber?: string
  emailId?: string
  /** Attributes this simulated ID repository does not hold. */
  unknown: string[]
}

const FIELD = 'request/demographics'

function isCalendarDate(dob: string): boolean {
  const [year, month, day] = dob.split('/').map(Number)
  if (year === undefined || month === undefined || day === undefined) return false
  const date = new Date(Date.UTC(year, month - 1, day))
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  )
}

function readLanguageValues(
  raw: unknown,
  attribute: string,
  supportedLanguages: readonly string[]
): IdaLanguageValue[] | undefined {
  if (raw === undefined || raw === null) return undefined
  if (!Array.isArray(raw)) throw new IdaRejection(idaErrors.invalidInput(`${FIELD}/${attribute}`))
  const values: IdaLanguageValue[] = []
  raw.forEach((entry: unknown, index) => {
    const path = `${FIELD}/${attribute}/${index}`
    if (typeof entry !== 'object' || entry === null)
      throw new IdaRejection(idaErrors.invalidInput(path))
    const { language, value } = entry as { language?: unknown; value?: unknown }
    if (language === undefined || language === null || language === '')
      throw new IdaRejection(idaErrors.missingInput(`${path}/language`))
    if (typeof language !== 'string')
      throw new IdaRejection(idaErrors.invalidInput(`${path}/language`))
    if (!supportedLanguages.includes(language))
      throw new IdaRejection(idaErrors.unsupportedLanguage(language))
    if (typeof value !== 'string') throw new IdaRejection(idaErrors.invalidInput(`${path}/value`))
    values.push({ language, value })
  })
  return values.length > 0 ? values : undefined
}

function readString(raw: unknown, attribute: string): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined
  if (typeof raw !== 'string')
    throw new IdaRejection(idaErrors.invalidInput(`${FIELD}/${attribute}`))
  return raw
}

/** Checks the shape of `request.demographics` as IDA's validator does. */
export function readDemographics(
  raw: unknown,
  supportedLanguages: readonly string[]
): RequestedDemographics {
  if (raw === undefined || raw === null) return { unknown: [] }
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new IdaRejection(idaErrors.invalidInput(FIELD))
  const fields = raw as Record<string, unknown>
  const dob = readString(fields.dob, 'dob')
  if (dob !== undefined && (!IDA_DOB_PATTERN.test(dob) || !isCalendarDate(dob)))
    throw new IdaRejection(idaErrors.invalidInput(`${FIELD}/dob`))
  const known = new Set(['name', 'dob', 'gender', 'phoneNumber', 'emailId'])
  return {
    name: readLanguageValues(fields.name, 'name', supportedLanguages),
    dob,
    gender: readLanguageValues(fields.gender, 'gender', supportedLanguages),
    phoneNumber: readString(fields.phoneNumber, 'phoneNumber'),
    emailId: readString(fields.emailId, 'emailId'),
    unknown: Object.keys(fields).filter(
      (key) => !known.has(key) && fields[key] !== undefined && fields[key] !== null
    )
  }
}

export function hasDemographics(requested: RequestedDemographics): boolean {
  return (
    requested.name !== undefined ||
    requested.dob !== undefined ||
    requested.gender !== undefined ||
    requested.phoneNumber !== undefined ||
    requested.emailId !== undefined ||
    requested.unknown.length > 0
  )
}

/** Exact match after IDA-style normalisation: Unicode NFC, trimmed, single spaces, case-folded. */
function normalise(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase()
}

/**
 * Matches every requested attribute; returns one error per attribute (and language) that is
 * missing from the identity or did not match. Empty means authenticated.
 */
export function matchDemographics(
  identity: IdaIdentity,
  requested: RequestedDemographics
): IdaError[] {
  const errors: IdaError[] = []
  const seen = new Set<string>()
  const push = (key: string, error: IdaError) => {
    if (seen.has(key)) return
    seen.add(key)
    errors.push(error)
  }
  for (const { language, value } of requested.name ?? []) {
    const names = valuesIn(identity.names, language)
    if (names.length === 0)
      push(`name:${language}`, idaErrors.demographicNotAvailable('name', language))
    else if (!names.some((name) => normalise(name) === normalise(value)))
      push(`name:${language}`, idaErrors.demographicMismatch('name', language))
  }
  if (requested.dob !== undefined) {
    if (identity.dob === undefined) push('dob', idaErrors.demographicNotAvailable('dob'))
    else if (requested.dob !== identity.dob) push('dob', idaErrors.demographicMismatch('dob'))
  }
  for (const { language, value } of requested.gender ?? []) {
    const genders = valuesIn(identity.gender, language)
    if (genders.length === 0)
      push(`gender:${language}`, idaErrors.demographicNotAvailable('gender', language))
    else if (!genders.some((gender) => normalise(gender) === normalise(value)))
      push(`gender:${language}`, idaErrors.demographicMismatch('gender', language))
  }
  if (requested.phoneNumber !== undefined) {
    if (identity.phoneNumber === undefined)
      push('phoneNumber', idaErrors.demographicNotAvailable('phoneNumber'))
    else if (identity.phoneNumber.trim() !== requested.phoneNumber.trim())
      push('phoneNumber', idaErrors.demographicMismatch('phoneNumber'))
  }
  if (requested.emailId !== undefined) {
    if (identity.emailId === undefined)
      push('emailId', idaErrors.demographicNotAvailable('emailId'))
    else if (normalise(identity.emailId) !== normalise(requested.emailId))
      push('emailId', idaErrors.demographicMismatch('emailId'))
  }
  for (const attribute of requested.unknown)
    push(attribute, idaErrors.demographicNotAvailable(attribute))
  return errors
}
