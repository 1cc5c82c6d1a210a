/**
 * The pure half of a MOSIP IDA demographic authentication request: what the person's data
 * becomes (`request` before encryption) and the JSON envelope around the encrypted parts. The
 * crypto (AES-GCM, RSA-OAEP, the detached JWS) lives in integrations/ida; randomness and the
 * clock are passed in.
 */
import {
  IDA_AUTH_ID,
  IDA_AUTH_VERSION,
  type IdaAuthData,
  type IdaAuthRequest
} from '@mosip-bridge/contracts'

export type IndividualIdType = 'UIN' | 'VID'
export type IndividualIdTypeMode = IndividualIdType | 'auto'

/** MOSIP's default VID length (`mosip.kernel.vid.length`); UINs default to 10 digits. */
const VID_PATTERN = /^\d{16}$/

/** The type to send for an id: the configured one, or by shape in `auto` mode. */
export function individualIdTypeOf(nid: string, mode: IndividualIdTypeMode): IndividualIdType {
  if (mode !== 'auto') return mode
  return VID_PATTERN.test(nid) ? 'VID' : 'UIN'
}

const DATE = /^(\d{4})[-/](\d{2})[-/](\d{2})$/

/**
 * A date of birth as IDA matches it, `YYYY/MM/DD`, from OpenCRVS's `YYYY-MM-DD` (the slash form
 * is accepted too). Undefined for anything that is not a calendar date.
 */
export function idaDob(value: string): string | undefined {
  const match = DATE.exec(value.trim())
  if (!match) return undefined
  const [, y = '', m = '', d = ''] = match
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)))
  const valid =
    date.getUTCFullYear() === Number(y) &&
    date.getUTCMonth() === Number(m) - 1 &&
    date.getUTCDate() === Number(d)
  return valid ? `${y}/${m}/${d}` : undefined
}

/** OpenCRVS's name field value (`NameFieldValue`). */
interface PersonName {
  firstname?: string | null
  middlename?: string | null
  surname?: string | null
}

/**
 * The full name IDA compares with the one on record: first, middle and last names separated by
 * single spaces. mosip-api drops the middle name, so a person whose MOSIP full name has one never
 * matches; it is kept here.
 */
export function idaFullName(name: PersonName | string): string {
  const parts = typeof name === 'string' ? [name] : [name.firstname, name.middlename, name.surname]
  return parts
    .map((part) => (typeof part === 'string' ? part.trim() : ''))
    .filter((part) => part.length > 0)
    .join(' ')
    .replace(/\s+/g, ' ')
}

/** What is checked against MOSIP's identity record. */
export interface PersonToVerify {
  /** UIN or VID. */
  nid: string
  /** `YYYY/MM/DD`. */
  dob: string
  /** Full name (see idaFullName). */
  name: string
  gender?: string
}

/**
 * The JSON encrypted into `request` (its SHA-256 goes into `requestHMAC`): demographic
 * attributes only, names and gender in one language.
 */
export function buildIdaAuthData(
  person: PersonToVerify,
  language: string,
  timestamp: string
): IdaAuthData {
  const gender = person.gender?.trim()
  return {
    biometrics: [],
    demographics: {
      dob: person.dob,
      name: [{ language, value: person.name }],
      ...(gender ? { gender: [{ language, value: gender }] } : {})
    },
    otp: '',
    timestamp
  }
}

/** The envelope's values that are not constants. */
interface IdaEnvelopeInput {
  individualId: string
  individualIdType: IndividualIdType
  /** 10 characters, `[A-Z0-9]`. */
  transactionId: string
  /** ISO 8601 with milliseconds and `Z`. */
  requestTime: string
  domainUri: string
  env: string
  /** Padded base64url of SHA-256 over IDA's certificate (DER). */
  thumbprint: string
  request: string
  requestSessionKey: string
  requestHMAC: string
}

/**
 * `AuthRequestDTO` plus the fields partner SDKs send. `requestedAuth.demo` is true: this is a
 * demographic authentication (IDA 1.2 infers it from the content anyway; older IDAs need it).
 */
export function buildIdaAuthRequest(input: IdaEnvelopeInput): IdaAuthRequest {
  return {
    id: IDA_AUTH_ID,
    version: IDA_AUTH_VERSION,
    individualId: input.individualId,
    individualIdType: input.individualIdType,
    transactionID: input.transactionId,
    requestTime: input.requestTime,
    specVersion: IDA_AUTH_VERSION,
    thumbprint: input.thumbprint,
    domainUri: input.domainUri,
    env: input.env,
    requestedAuth: { demo: true, pin: false, otp: false, bio: false },
    consentObtained: true,
    request: input.request,
    requestSessionKey: input.requestSessionKey,
    requestHMAC: input.requestHMAC
  }
}
