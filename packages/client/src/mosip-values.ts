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

/**
 * `[{"language":"eng","value":"…"}]` as JSON text; undefined when there is no value, so that the
 * field is left out rather than sent empty.
 */
export function languageValue(value: string | undefined, language: string): string | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const entries: LanguageValue[] = [{ language, value: value.trim() }]
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
