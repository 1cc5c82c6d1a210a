import { ok, permanent, type Outcome } from './outcome.js'
import type { IssuedCredential } from './ports.js'

/**
 * Lenient reading of the verifiable credential MOSIP's credential-service issues (`vercred`).
 *
 * mosip-api validated the whole VC strictly (exact `type`, `@context`, URL ids, a `proof`), and
 * a looser schema in its history shows genuine credentials did not always fit. Authenticity is
 * established elsewhere (the WebSub HMAC, and decryption with our own key), so here only what the
 * bridge uses is required: an object with a `credentialSubject` object. Everything else is
 * optional and kept as found.
 */

/** The decrypted JSON is not a verifiable credential (no credentialSubject object). */
export const CREDENTIAL_NOT_VC = 'CREDENTIAL_NOT_VC'

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The credential subject of a VC. W3C allows an array of subjects; MOSIP issues one object, so
 * for an array the first object is taken.
 */
function subjectOf(vc: Record<string, unknown>): Record<string, unknown> | undefined {
  const subject = vc.credentialSubject
  if (isRecord(subject)) return subject
  if (Array.isArray(subject)) return subject.find(isRecord)
  return undefined
}

export function parseVerifiableCredential(json: unknown): Outcome<IssuedCredential> {
  if (!isRecord(json)) {
    return permanent(CREDENTIAL_NOT_VC, 'the decrypted credential is not a JSON object')
  }
  const subject = subjectOf(json)
  if (!subject) {
    return permanent(CREDENTIAL_NOT_VC, 'the decrypted credential has no credentialSubject object')
  }
  return ok({ subjectRegistrationId: registrationIdFromSubjectId(subject.id), subject })
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

const lastNonEmpty = (parts: string[]): string | undefined =>
  parts.filter((part) => part.length > 0).at(-1)

/**
 * Our registration id from `credentialSubject.id`: MOSIP writes `<vercred.id.url><RID>`, e.g.
 * `https://api.collab.mosip.net/credentials/100014728301957` or (mock)
 * `http://credential.idrepo/credentials/100014728301957`, so the id is the last non-empty path
 * segment. Also handled: trailing slashes, a query or fragment, percent-encoding, URNs and DIDs
 * (`urn:…:<id>`, last `:` part), relative paths and plain ids (`100014728301957`), and a JSON
 * number. Anything else gives undefined.
 */
export function registrationIdFromSubjectId(id: unknown): string | undefined {
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 0 ? String(id) : undefined
  if (typeof id !== 'string') return undefined
  const text = id.trim().replace(/[?#].*$/s, '')
  if (text.length === 0) return undefined
  const withAuthority = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(.*)$/i.exec(text)
  if (withAuthority) {
    // scheme://authority/path: only the path can hold the id
    const segment = lastNonEmpty((withAuthority[1] ?? '').split('/'))
    return segment === undefined ? undefined : decodeSegment(segment)
  }
  const segment = lastNonEmpty(text.split('/'))
  if (segment === undefined) return undefined
  // urn:…:<id>, did:…:<id>; a plain id has no colon
  const last = segment.includes(':') ? lastNonEmpty(segment.split(':')) : segment
  return last === undefined ? undefined : decodeSegment(last)
}

function textValue(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim()
    return trimmed.length > 0 ? trimmed : undefined
  }
  // JSON numbers lose digits beyond 2^53: an id that large cannot be trusted, so none is given
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined
  }
  return undefined
}

/** `[{language, value}]` (an array, or that array as JSON text): the first non-empty value. */
function languageValue(value: unknown): string | undefined {
  let entries = value
  if (typeof value === 'string' && value.trimStart().startsWith('[')) {
    try {
      entries = JSON.parse(value)
    } catch {
      return undefined
    }
  }
  if (!Array.isArray(entries)) return undefined
  for (const entry of entries) {
    const found = isRecord(entry) ? textValue(entry.value) : undefined
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * The national id (UIN, VID, … as configured by MOSIP_VERIFIABLE_CREDENTIAL_NATIONAL_ID_KEY) in a
 * credential subject, or undefined (a death credential carries none).
 *
 * - The key is looked up exactly; failing that, a single case-insensitive match is used
 *   (`uin` for `UIN`), never a guess among several.
 * - Strings are trimmed; non-negative safe integers are turned into their digits.
 * - MOSIP copies policy attributes as found, and multi-language attributes arrive as JSON text
 *   of `[{"language":"eng","value":"…"}]`. An id schema that types the id that way would give
 *   such text, so it is tolerated (as text or as an actual array, and as `{value}`): the first
 *   non-empty value is taken, since an identifier does not depend on the language. A string
 *   that merely starts with `[` but is not such JSON gives undefined rather than a wrong id.
 */
export function nationalIdFrom(subject: Record<string, unknown>, key = 'UIN'): string | undefined {
  let value: unknown = subject[key]
  if (!Object.hasOwn(subject, key)) {
    const lower = key.toLowerCase()
    const candidates = Object.keys(subject).filter((name) => name.toLowerCase() === lower)
    if (candidates.length !== 1) return undefined
    value = subject[candidates[0]!]
  }
  if (typeof value === 'string' && value.trimStart().startsWith('[')) return languageValue(value)
  if (Array.isArray(value)) return languageValue(value)
  if (isRecord(value)) return textValue(value.value)
  return textValue(value)
}
