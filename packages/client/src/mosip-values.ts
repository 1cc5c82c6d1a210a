import type { PerLanguageText } from '@mosip-bridge/contracts'
import { parseDateValue } from './declaration-fields.js'

/**
 * How MOSIP ID-schema fields want their values: every field is a string; `simpleType` fields
 * (names, gender, address lines…) are the JSON text of `[{language, value}]`; dates are
 * `YYYY/MM/DD`.
 */

/** One entry of a MOSIP `simpleType` value. */
export interface LanguageValue {
  language: string
  value: string
}

/** Whether a field value is per-language values (`{ eng: '…', ara: '…' }`) rather than text. */
export function isPerLanguageText(value: unknown): value is PerLanguageText {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((text) => text === undefined || typeof text === 'string')
  )
}

/**
 * `[{"language":"eng","value":"…"}, …]` as JSON text; undefined when there is no value, so that
 * the field is left out rather than sent empty.
 *
 * `value` is one text or per-language values (`{ eng: 'Leo', ara: 'ليو' }`, e.g. names held in two
 * scripts). `languages` is one language code or the deployment's languages, primary first: each
 * gets an entry, with its own value when there is one and the primary language's (or the first
 * given) otherwise; languages given beyond those are kept after them (the bridge writes exactly
 * its `MOSIP_LANGUAGES` into the packet).
 */
export function languageValue(
  value: string | Readonly<Record<string, string | undefined>> | undefined,
  languages: string | readonly string[]
): string | undefined {
  const wanted = typeof languages === 'string' ? [languages] : [...languages]
  const given: LanguageValue[] = []
  if (typeof value === 'string') {
    if (value.trim() !== '') given.push({ language: wanted[0] ?? 'eng', value: value.trim() })
  } else if (value !== undefined) {
    for (const [language, text] of Object.entries(value))
      if (typeof text === 'string' && text.trim() !== '')
        given.push({ language, value: text.trim() })
  }
  if (given.length === 0) return undefined
  const byLanguage = new Map(given.map((entry) => [entry.language, entry.value]))
  const fallback = byLanguage.get(wanted[0] ?? '') ?? given[0]!.value
  const entries: LanguageValue[] = wanted.map((language) => ({
    language,
    value: byLanguage.get(language) ?? fallback
  }))
  for (const entry of given) if (!wanted.includes(entry.language)) entries.push(entry)
  return JSON.stringify(entries)
}

/** An OpenCRVS DateValue (`YYYY-MM-DD`) as MOSIP's `YYYY/MM/DD`; undefined when not a valid date. */
export function mosipDate(value: unknown): string | undefined {
  const date = parseDateValue(value)
  if (!date) return undefined
  const pad = (n: number, width: number) => String(n).padStart(width, '0')
  return `${pad(date.year, 4)}/${pad(date.month, 2)}/${pad(date.day, 2)}`
}

/** `female` → `Female` (MOSIP gender codes are capitalised; the forms store lower case). */
export function mosipGender(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined
  const lower = value.toLowerCase()
  return lower.charAt(0).toUpperCase() + lower.slice(1)
}

/** Drops keys whose value is undefined (a MOSIP field is either a string or absent). */
export function withoutUndefined<T extends Record<string, string | undefined>>(
  fields: T
): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) result[key] = value
  }
  return result
}
