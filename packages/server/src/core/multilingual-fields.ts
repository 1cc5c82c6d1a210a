/**
 * MOSIP's multi-language text fields. An ID schema marks them with `$ref` to its `simpleType`
 * definition (an array of `{language, value}`); MOSIP's ID validation rejects a packet whose
 * simpleType field lacks one of the deployment's mandatory languages. The bridge writes one entry
 * per configured language (`MOSIP_LANGUAGES`, primary first) into each of them: the payload's own
 * value for that language when it has one, otherwise the primary language's value (or the first
 * one the payload gives).
 *
 * A payload's text value comes in one of three forms, all kept by the intake as strings:
 * a plain string (`"Leo Bwalya"`), MOSIP's JSON text (`[{"language":"eng","value":"Leo"}]`, as the
 * reference client sends it) or per-language values (`{"eng":"Leo","ara":"ليو"}`, JSON text once
 * stored).
 */

/** One entry of a simpleType value. */
export interface LanguageEntry {
  language: string
  value: string
}

const LANGUAGE_CODE = /^[a-z]{3}$/

/** simpleType fields of the bridge's default schema, used when a schema cannot be read. */
const FALLBACK_SIMPLE_TYPE_FIELDS: ReadonlySet<string> = new Set([
  'fullName',
  'gender',
  'residenceStatus',
  'addressLine1',
  'addressLine2',
  'addressLine3',
  'region',
  'province',
  'city',
  'zone',
  'district',
  'village',
  'guardianOrParentName',
  'introducerName',
  'introducerInfoToken'
])

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

let cachedSchema: { json: string; fields: ReadonlySet<string> } | undefined

/**
 * The names of the fields an ID schema (JSON text) declares as simpleType: `$ref` ending in
 * `/simpleType`. Falls back to the default schema's list when the text is not a schema.
 */
export function simpleTypeFieldsOf(schemaJson: string): ReadonlySet<string> {
  if (cachedSchema?.json === schemaJson) return cachedSchema.fields
  let fields: ReadonlySet<string> = FALLBACK_SIMPLE_TYPE_FIELDS
  try {
    const parsed: unknown = JSON.parse(schemaJson)
    const properties =
      isRecord(parsed) &&
      isRecord(parsed.properties) &&
      isRecord(parsed.properties.identity) &&
      isRecord(parsed.properties.identity.properties)
        ? parsed.properties.identity.properties
        : undefined
    if (properties) {
      fields = new Set(
        Object.entries(properties)
          .filter(
            ([, detail]) =>
              isRecord(detail) &&
              typeof detail.$ref === 'string' &&
              /(^|\/)simpleType$/.test(detail.$ref)
          )
          .map(([name]) => name)
      )
    }
  } catch {
    // Not JSON: MOSIP will refuse the packet anyway; keep the default schema's fields.
  }
  cachedSchema = { json: schemaJson, fields }
  return fields
}

function parseJson(text: string): unknown {
  const trimmed = text.trim()
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return undefined
  try {
    return JSON.parse(trimmed) as unknown
  } catch {
    return undefined
  }
}

/**
 * The per-language values a stored field value holds, in the order given; undefined when the
 * value is a plain string. Entries without a string `language` and `value` are ignored.
 */
export function languageEntriesOf(value: string): LanguageEntry[] | undefined {
  const parsed = parseJson(value)
  if (Array.isArray(parsed)) {
    const entries = parsed.flatMap((item): LanguageEntry[] =>
      isRecord(item) && typeof item.language === 'string' && typeof item.value === 'string'
        ? [{ language: item.language, value: item.value }]
        : []
    )
    return entries.length > 0 || parsed.length === 0 ? entries : undefined
  }
  if (isRecord(parsed)) {
    const pairs = Object.entries(parsed)
    if (pairs.length === 0) return undefined
    if (!pairs.every(([key, text]) => LANGUAGE_CODE.test(key) && typeof text === 'string'))
      return undefined
    return pairs.map(([language, text]) => ({ language, value: text as string }))
  }
  return undefined
}

/**
 * One entry per language of `languages`: the value given for it, else the first language's
 * value, else the first value given. Empty when nothing was given.
 */
export function entriesForLanguages(
  given: readonly LanguageEntry[],
  languages: readonly string[]
): LanguageEntry[] {
  if (given.length === 0) return []
  const byLanguage = new Map<string, string>()
  for (const entry of given)
    if (!byLanguage.has(entry.language)) byLanguage.set(entry.language, entry.value)
  const primary = byLanguage.get(languages[0] ?? '') ?? given[0]!.value
  return languages.map((language) => ({ language, value: byLanguage.get(language) ?? primary }))
}

/**
 * The packet's `fields` with every simpleType field carrying exactly the configured languages
 * (JSON text, as MOSIP's `Map<String,String>` wants it). Other fields keep their value, except a
 * per-language value given for a plain-text field, which becomes its primary-language text.
 */
export function withConfiguredLanguages(
  fields: Record<string, string>,
  simpleTypeFields: ReadonlySet<string>,
  languages: readonly string[]
): Record<string, string> {
  const result: Array<[string, string]> = []
  for (const [name, value] of Object.entries(fields)) {
    const given = languageEntriesOf(value)
    if (simpleTypeFields.has(name)) {
      const entries = entriesForLanguages(
        given ?? [{ language: languages[0] ?? '', value }],
        languages
      )
      if (entries.length > 0) result.push([name, JSON.stringify(entries)])
      continue
    }
    // A per-language object for a field the schema holds as a plain string: MOSIP would store
    // the JSON text as the value; the primary language's text is what was meant.
    const parsed = parseJson(value)
    if (given && isRecord(parsed)) {
      const [entry] = entriesForLanguages(given, languages)
      result.push([name, entry?.value ?? value])
      continue
    }
    result.push([name, value])
  }
  return Object.fromEntries(result)
}
