/**
 * E-Signet userinfo claims → the person as mosip-api's `/esignet/get-oidp-user-info` returns it
 * to the OpenCRVS form: name parts, gender, birth date `yyyy-MM-dd` and the national id.
 *
 * Where mosip-api is lossy this keeps more: the standard `given_name`/`middle_name`/
 * `family_name` claims win over splitting `name`; when only `name` exists, middle names are kept
 * (as `middlename`) and surname particles stay with the surname ("Ludwig van Beethoven",
 * "Juan de la Cruz", "Gabriel García y Márquez"); birth dates are read in the formats E-Signet
 * and OIDC use; claims may carry a language tag (`name#eng`).
 */

export interface OidpName {
  firstname: string
  /** Only when there is one. */
  middlename?: string
  surname: string
}

/** The response of `POST /esignet/get-oidp-user-info` (mosip-api's shape, plus `middlename`). */
export interface OidpUserInfo {
  /** E-Signet's partner-specific user token (PSUT). */
  sub: string
  name: OidpName
  gender?: string
  /** Present (null) only with `birthDate`, as in mosip-api. */
  dobUnknown?: null
  /** `yyyy-MM-dd`; `''` when E-Signet's value could not be read. */
  birthDate?: string
  verificationStatus: 'authenticated'
  idType: 'NATIONAL_ID' | null
  nid: string | null
}

/**
 * A claim by name, or the first language-tagged variant of it (`name#eng`, `name#fr`), which
 * E-Signet returns when the relying party asked for `claims_locales`.
 */
function claimValue(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (claims[name] !== undefined && claims[name] !== null) return claims[name]
  const tagged = Object.keys(claims)
    .filter((key) => key.startsWith(`${name}#`))
    .sort()
  for (const key of tagged) {
    if (claims[key] !== undefined && claims[key] !== null) return claims[key]
  }
  return undefined
}

function textClaim(claims: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = claimValue(claims, name)
  if (typeof value === 'number') return String(value)
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim().replace(/\s+/g, ' ')
  return trimmed.length > 0 ? trimmed : undefined
}

/** Lower-case words that belong to the surname that follows them. */
const SURNAME_PARTICLES: ReadonlySet<string> = new Set([
  'da',
  'dal',
  'das',
  'de',
  'degli',
  'dei',
  'del',
  'della',
  'der',
  'des',
  'di',
  'do',
  'dos',
  'du',
  'la',
  'le',
  'lo',
  'van',
  'von',
  'vom',
  'zu',
  'ten',
  'ter',
  'den',
  'bin',
  'binti',
  'bint',
  'ibn',
  'ben',
  'bat',
  'abu',
  'al',
  'el',
  'ould',
  'ap',
  'mac',
  'st',
  'st.'
])

/** Words joining two surnames into one ("García y Márquez"). */
const SURNAME_CONJUNCTIONS: ReadonlySet<string> = new Set(['y', 'e', 'i'])

/**
 * Splits a full name: the first word is the first name, the last word the surname, together with
 * any particles and joined surnames before it; the words between are the middle name. A single
 * word is a first name (the surname stays empty rather than repeating it).
 */
export function splitFullName(full: string): OidpName {
  const words = full
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0)
  const first = words[0]
  if (first === undefined) return { firstname: '', surname: '' }
  if (words.length === 1) return { firstname: first, surname: '' }
  let start = words.length - 1
  for (;;) {
    const before = words[start - 1]?.toLowerCase()
    if (start - 1 < 1 || before === undefined) break
    if (SURNAME_PARTICLES.has(before)) {
      start -= 1
    } else if (SURNAME_CONJUNCTIONS.has(before) && start - 2 >= 1) {
      start -= 2
    } else {
      break
    }
  }
  const middle = words.slice(1, start).join(' ')
  return {
    firstname: first,
    ...(middle.length > 0 ? { middlename: middle } : {}),
    surname: words.slice(start).join(' ')
  }
}

/** The words of `full` between `given` and `family` ("Chanda [Mwila] Bwalya"), if any. */
function between(
  full: string | undefined,
  given: string | undefined,
  family: string | undefined
): string | undefined {
  if (full === undefined || given === undefined || family === undefined) return undefined
  const lower = full.toLowerCase()
  const head = `${given.toLowerCase()} `
  const tail = ` ${family.toLowerCase()}`
  if (!lower.startsWith(head) || !lower.endsWith(tail)) return undefined
  const middle = full.slice(head.length, full.length - tail.length).trim()
  return middle.length > 0 ? middle : undefined
}

/** Name parts from the standard claims, completed from `name` when some are missing. */
export function personName(claims: Readonly<Record<string, unknown>>): OidpName {
  const given = textClaim(claims, 'given_name')
  const middle = textClaim(claims, 'middle_name')
  const family = textClaim(claims, 'family_name')
  const full = textClaim(claims, 'name')
  const split =
    (given === undefined || family === undefined) && full !== undefined
      ? splitFullName(full)
      : undefined
  const middlename =
    middle ?? (given === undefined ? split?.middlename : undefined) ?? between(full, given, family)
  return {
    firstname: given ?? split?.firstname ?? '',
    ...(middlename !== undefined ? { middlename } : {}),
    surname: family ?? split?.surname ?? ''
  }
}

const YMD = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$/
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/

/**
 * E-Signet's `birthdate` (`yyyy/MM/dd` from MOSIP's plugin; OIDC's `yyyy-MM-dd`; also dots,
 * unpadded months and days, a time part, `yyyyMMdd`) as `yyyy-MM-dd`. `''` when it is not a
 * calendar date (a year alone included), as mosip-api answers for formats it cannot read.
 */
export function esignetBirthDate(value: string): string {
  const match = YMD.exec(value.trim()) ?? COMPACT.exec(value.trim())
  if (!match) return ''
  const [, y = '', m = '', d = ''] = match
  const year = Number(y)
  const month = Number(m)
  const day = Number(d)
  if (year === 0) return ''
  const date = new Date(Date.UTC(year, month - 1, day))
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    return ''
  }
  return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

const GENDER_CODES: Readonly<Record<string, string>> = {
  m: 'male',
  mle: 'male',
  f: 'female',
  fle: 'female',
  fem: 'female'
}

/** Lower-cased, MOSIP's codes (`MLE`, `FLE`) spelled out as OpenCRVS expects. */
export function esignetGender(value: string): string {
  const lower = value.trim().toLowerCase()
  return GENDER_CODES[lower] ?? lower
}

/** The route's answer for verified userinfo claims; undefined without a `sub`. */
export function toOidpUserInfo(
  claims: Readonly<Record<string, unknown>>
): OidpUserInfo | undefined {
  const sub = claims.sub
  if (typeof sub !== 'string' || sub.length === 0) return undefined
  const gender = textClaim(claims, 'gender')
  const birthdate = textClaim(claims, 'birthdate')
  const nid = textClaim(claims, 'individual_id')
  return {
    sub,
    name: personName(claims),
    ...(gender !== undefined ? { gender: esignetGender(gender) } : {}),
    ...(birthdate !== undefined
      ? { dobUnknown: null, birthDate: esignetBirthDate(birthdate) }
      : {}),
    verificationStatus: 'authenticated',
    idType: nid !== undefined ? 'NATIONAL_ID' : null,
    nid: nid ?? null
  }
}
