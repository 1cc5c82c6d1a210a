/**
 * Wire details of MOSIP's Ballerina WebSub hub that a faithful fake has to reproduce byte for byte.
 * Pure functions, no I/O.
 */
import { createHmac } from 'node:crypto'
import { MOSIP_AUTH_COOKIE } from '@mosip-bridge/contracts'

/**
 * Serialises a JSON value the way Ballerina's `toJsonString()` does: `{"a":1, "b":[1, 2]}` — a
 * space after every comma between members and elements, none around colons. The hub re-serialises
 * what it read from Kafka, so the delivered bytes differ from what the publisher sent; a subscriber
 * that re-serialises before checking the signature fails.
 */
export function ballerinaJsonString(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('JSON cannot hold NaN or Infinity')
      return JSON.stringify(value)
    case 'object': {
      const withJson = value as { toJSON?: unknown }
      if (typeof withJson.toJSON === 'function')
        return ballerinaJsonString((withJson.toJSON as () => unknown).call(value))
      if (Array.isArray(value))
        return `[${value.map((item) => (item === undefined ? 'null' : ballerinaJsonString(item))).join(', ')}]`
      const members: string[] = []
      for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol')
          continue
        members.push(`${JSON.stringify(key)}:${ballerinaJsonString(member)}`)
      }
      return `{${members.join(', ')}}`
    }
    default:
      throw new TypeError(`not a JSON value: ${typeof value}`)
  }
}

/**
 * Ballerina's `generateQueryString` puts values into the query as they are, without URL-encoding
 * (`hub.topic=crvs_partner/CREDENTIAL_ISSUED`, `hub.reason=Subscriber has already …`). Only what
 * cannot travel in an HTTP request line at all (spaces, control and non-ASCII characters, `#`) is
 * percent-encoded here; `&`, `=`, `/`, `%` and the rest go through untouched, as on the real hub.
 */
function rawQueryValue(value: string): string {
  let out = ''
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0
    if (code <= 0x20 || code >= 0x7f || char === '#') {
      for (const byte of Buffer.from(char, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
    } else out += char
  }
  return out
}

/** `?k=v&k=v` (or `&…` when the callback already has a query), values raw as the hub sends them. */
export function hubQueryString(callback: string, params: ReadonlyArray<[string, string]>): string {
  const pairs = params.map(([key, value]) => `${key}=${rawQueryValue(value)}`).join('&')
  return `${callback.includes('?') ? '&' : '?'}${pairs}`
}

type CookieToken =
  { ok: true; token: string } | { ok: false; reason: 'Authorization token cannot be found' }

/**
 * The hub's `security.bal#getToken`: split the `Cookie` header on `"; "` exactly, take the first
 * part starting with `Authorization=`, and keep what follows the first `=` up to the next `=`. The
 * auth manager then parses `Authorization=<that>` as a cookie, which drops a trailing `;` (OpenCRVS
 * sends `Authorization=<jwt>;`). `Cookie: a=1;Authorization=x` (no space) is not found.
 */
export function tokenFromCookieHeader(cookie: string | string[] | undefined): CookieToken {
  const header = Array.isArray(cookie) ? cookie.join('; ') : cookie
  if (header === undefined) return { ok: false, reason: 'Authorization token cannot be found' }
  for (const part of header.split('; ')) {
    if (!part.startsWith(`${MOSIP_AUTH_COOKIE}=`)) continue
    const value = part.split('=')[1] ?? ''
    const token = value.split(';')[0]?.trim() ?? ''
    if (token.length > 0) return { ok: true, token }
    break
  }
  return { ok: false, reason: 'Authorization token cannot be found' }
}

/** `Link` header of a content delivery, literally `${hub}; rel="hub", ${topic}; rel="self"`. */
export function linkHeader(hubUrl: string, topic: string): string {
  return `${hubUrl}; rel="hub", ${topic}; rel="self"`
}

/** `sha256=<lowercase hex HMAC-SHA256(key = UTF-8 of the secret, message = body bytes)>`. */
export function hubSignature(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex')}`
}

/** Shows that a secret is set without revealing it: `ab…(12)`. */
export function maskSecret(secret: string | undefined): string | null {
  if (secret === undefined) return null
  if (secret.length <= 4) return `…(${secret.length})`
  return `${secret.slice(0, 2)}…(${secret.length})`
}

/** `event.id` of a MOSIP event envelope (or a top-level `id`), for logs. */
export function eventIdOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as { id?: unknown; event?: unknown }
  if (typeof record.event === 'object' && record.event !== null) {
    const id = (record.event as { id?: unknown }).id
    if (typeof id === 'string') return id
  }
  return typeof record.id === 'string' ? record.id : undefined
}

/**
 * Role check of `security.bal`. Partner topic `<partnerId>/<EVENT>`: subscribe needs role
 * `SUBSCRIBE_<EVENT>_INDIVIDUAL` and the token's user to be the partner (a `service-account-`
 * prefix is ignored); publish needs `PUBLISH_<EVENT>_ALL_INDIVIDUAL`. Any other topic needs
 * `SUBSCRIBE_<TOPIC>_GENERAL` / `PUBLISH_<TOPIC>_GENERAL`.
 */
export function isAuthorizedFor(
  action: 'subscribe' | 'publish',
  topic: string,
  identity: { userId: string; roles: readonly string[] }
): boolean {
  const slash = topic.indexOf('/')
  const partnerId = slash >= 0 ? topic.slice(0, slash) : undefined
  const event = slash >= 0 ? topic.slice(slash + 1) : topic
  const prefix = action === 'subscribe' ? 'SUBSCRIBE_' : 'PUBLISH_'
  const roles = identity.roles.map((role) => role.trim())
  if (partnerId === undefined) return roles.includes(`${prefix}${event}_GENERAL`)
  if (action === 'publish') return roles.includes(`${prefix}${event}_ALL_INDIVIDUAL`)
  const user = identity.userId.replace(/^service-account-/, '')
  return roles.includes(`${prefix}${event}_INDIVIDUAL`) && user === partnerId
}
