/**
 * What IDA authenticates against: the ID repository's identities (the shared `IdentityStore`),
 * read through IDA's attribute mapping (MOSIP's `ida-mapping.json`: `name` is `fullName`, `dob`
 * is `dateOfBirth`, ...). An identity issued by a birth is matched on the packet's own values, in
 * every language the packet gave them; identities seeded for tests are stored the same way.
 */
import type { IdentitySeed, MosipIdentity } from '../mosip/core/identity-store.js'
import { parseIdentityValue } from '../mosip/core/id-schema.js'

export type IdaIdentityStatus = 'ACTIVATED' | 'DEACTIVATED' | 'BLOCKED'

/** An identity as MOSIP's ID repository holds it, for the simulated IDA to match against. */
export interface IdaIdentityInput {
  uin: string
  /** VIDs that resolve to this UIN. */
  vids?: string[]
  /**
   * Full names per language code (`{ eng: 'Charles Doe 2nd' }`); several names for one language
   * are all accepted.
   */
  name: Record<string, string | string[]>
  /** `YYYY/MM/DD` (`YYYY-MM-DD` is accepted and converted). */
  dob: string
  /** Per language (`{ eng: 'male' }`), or one value that answers in every language. */
  gender?: string | Record<string, string>
  phoneNumber?: string
  emailId?: string
  /** Default `ACTIVATED`. */
  status?: IdaIdentityStatus
}

/**
 * Which identity fields hold each demographic attribute IDA matches (`ida-mapping.json`). A name
 * made of several fields is their values joined with a space, language by language.
 */
export interface IdaAttributeMapping {
  name: readonly string[]
  dob: string
  gender: string
  phoneNumber: string
  emailId: string
}

export const DEFAULT_IDA_ATTRIBUTE_MAPPING: IdaAttributeMapping = {
  name: ['fullName'],
  dob: 'dateOfBirth',
  gender: 'gender',
  phoneNumber: 'phone',
  emailId: 'email'
}

/** An attribute's values per language; a plain text value holds in every language. */
export interface LanguageValues {
  byLanguage: Map<string, string[]>
  anyLanguage: string[]
}

/** An identity as IDA matches it. */
export interface IdaIdentity {
  uin: string
  names: LanguageValues | undefined
  dob: string | undefined
  gender: LanguageValues | undefined
  phoneNumber: string | undefined
  emailId: string | undefined
}

function languageValues(raw: string | undefined): LanguageValues | undefined {
  if (raw === undefined) return undefined
  const parsed = parseIdentityValue(raw)
  const values: LanguageValues = { byLanguage: new Map(), anyLanguage: [] }
  if (typeof parsed === 'string') {
    values.anyLanguage.push(parsed)
    return values
  }
  if (!Array.isArray(parsed)) return undefined
  for (const entry of parsed) {
    if (typeof entry !== 'object' || entry === null) continue
    const { language, value } = entry as { language?: unknown; value?: unknown }
    if (typeof language !== 'string' || typeof value !== 'string') continue
    values.byLanguage.set(language, [...(values.byLanguage.get(language) ?? []), value])
  }
  return values
}

/** The values of an attribute in one language (a plain text value answers in all of them). */
export function valuesIn(values: LanguageValues | undefined, language: string): string[] {
  if (!values) return []
  return values.byLanguage.get(language) ?? values.anyLanguage
}

/** Several name fields make one name per language: their first values, space-separated. */
function composedName(parts: Array<LanguageValues | undefined>): LanguageValues | undefined {
  const present = parts.filter((part): part is LanguageValues => part !== undefined)
  if (present.length === 0) return undefined
  if (present.length === 1) return present[0]
  const languages = new Set(present.flatMap((part) => [...part.byLanguage.keys()]))
  const composed: LanguageValues = { byLanguage: new Map(), anyLanguage: [] }
  for (const language of languages) {
    const name = present
      .map((part) => valuesIn(part, language)[0])
      .filter((value): value is string => value !== undefined && value.trim() !== '')
      .join(' ')
    if (name !== '') composed.byLanguage.set(language, [name])
  }
  const plain = present
    .map((part) => part.anyLanguage[0])
    .filter((value): value is string => value !== undefined)
  if (plain.length === present.length) composed.anyLanguage.push(plain.join(' '))
  return composed
}

function plainText(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : raw
}

/** An ID repository identity as IDA sees it, through the attribute mapping. */
export function idaView(identity: MosipIdentity, mapping: IdaAttributeMapping): IdaIdentity {
  const fields = identity.fields
  const dob = plainText(fields[mapping.dob])
  return {
    uin: identity.uin,
    names: composedName(mapping.name.map((field) => languageValues(fields[field]))),
    dob: dob?.replace(/-/g, '/'),
    gender: languageValues(fields[mapping.gender]),
    phoneNumber: plainText(fields[mapping.phoneNumber]),
    emailId: plainText(fields[mapping.emailId])
  }
}

function simpleType(entries: Array<[string, string]>): string {
  return JSON.stringify(entries.map(([language, value]) => ({ language, value })))
}

/** A seeded identity as the ID repository stores it: its values as packet fields. */
export function identitySeedOf(
  input: IdaIdentityInput,
  mapping: IdaAttributeMapping
): IdentitySeed {
  const fields: Record<string, string> = {}
  const names = Object.entries(input.name).flatMap(([language, value]) =>
    (Array.isArray(value) ? value : [value]).map((name): [string, string] => [language, name])
  )
  const nameField = mapping.name[0]
  if (nameField !== undefined && names.length > 0) fields[nameField] = simpleType(names)
  fields[mapping.dob] = input.dob.replace(/-/g, '/')
  if (input.gender !== undefined)
    fields[mapping.gender] =
      typeof input.gender === 'string' ? input.gender : simpleType(Object.entries(input.gender))
  if (input.phoneNumber !== undefined) fields[mapping.phoneNumber] = input.phoneNumber
  if (input.emailId !== undefined) fields[mapping.emailId] = input.emailId
  return {
    uin: input.uin,
    vids: [...(input.vids ?? [])],
    fields,
    ...(input.status ? { status: input.status } : {})
  }
}
