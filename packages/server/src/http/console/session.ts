import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Console sessions are stateless: the cookie holds a random session id and its expiry, signed
 * (HMAC-SHA256, by @fastify/cookie) with a key derived from the data encryption key and the
 * operator password's hash. Every instance sharing a database shares both settings, so each
 * accepts the others' cookies without a session table; changing ADMIN_PASSWORD_HASH (or the
 * data key) ends every session. The price is that logging out only clears the cookie in the
 * browser: a copied cookie stays valid until it expires, which is why sessions are short.
 */
export const SESSION_COOKIE = 'mosip_bridge_console'

/** How long a session lasts from login. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000

export interface ConsoleSession {
  id: string
  expiresAt: number
}

export interface SessionKeys {
  /** Signs the session cookie. */
  cookie: Buffer
  /** Derives each session's CSRF token. */
  csrf: Buffer
}

/** The two keys of console sessions, from `secret` (itself derived from the data key). */
export function sessionKeys(secret: Buffer, passwordHash: string): SessionKeys {
  const derive = (info: string) =>
    Buffer.from(hkdfSync('sha256', secret, passwordHash, `mosip-bridge console ${info}`, 32))
  return { cookie: derive('cookie'), csrf: derive('csrf') }
}

export function newSession(now: number, ttlMs = SESSION_TTL_MS): ConsoleSession {
  return { id: randomBytes(18).toString('base64url'), expiresAt: now + ttlMs }
}

/** The cookie's value before signing: `<id>.<expiry in epoch ms>`. */
export function sessionValue(session: ConsoleSession): string {
  return `${session.id}.${session.expiresAt}`
}

/** A verified cookie value back to its session, if well formed and not expired. */
export function parseSession(value: string, now: number): ConsoleSession | undefined {
  const match = /^([A-Za-z0-9_-]{24})\.(\d{13})$/.exec(value)
  if (!match) return undefined
  const expiresAt = Number(match[2])
  return expiresAt > now ? { id: match[1]!, expiresAt } : undefined
}

/**
 * The session's CSRF token (a synchronizer token derived, not stored): every form of the console
 * carries it, and every POST must send it back.
 */
export function csrfTokenOf(keys: SessionKeys, session: ConsoleSession): string {
  return createHmac('sha256', keys.csrf).update(session.id).digest('base64url')
}

export function csrfTokenMatches(
  keys: SessionKeys,
  session: ConsoleSession,
  sent: unknown
): boolean {
  if (typeof sent !== 'string') return false
  const expected = Buffer.from(csrfTokenOf(keys, session))
  const given = Buffer.from(sent)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
