/**
 * What eSignet remembers between calls: logins waiting on the login page, authorization codes
 * and the userinfo sessions opened by the access tokens it issued.
 */
import { createHash } from 'node:crypto'
import type { RegisteredClient } from './client-registry.js'

/** A checked `/authorize` request. */
export interface AuthorizationRequest {
  client: RegisteredClient
  redirectUri: string
  state: string | undefined
  nonce: string | undefined
  scopes: string[]
  claims: Set<string>
  acr: string
  codeChallenge: string | undefined
}

interface PendingLogin extends AuthorizationRequest {
  expiresAt: number
}

export interface CodeGrant extends AuthorizationRequest {
  individualId: string
  authTime: number
  expiresAt: number
}

interface UserinfoSession {
  clientId: string
  individualId: string
  subject: string
  claims: Set<string>
  expiresAt: number
}

/** Sessions are found by the SHA-256 of their access token (base64url). */
function sessionKey(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url')
}

export class GrantStore {
  readonly pending = new Map<string, PendingLogin>()
  readonly codes = new Map<string, CodeGrant>()
  private readonly sessions = new Map<string, UserinfoSession>()

  addSession(accessToken: string, session: UserinfoSession): void {
    this.sessions.set(sessionKey(accessToken), session)
  }

  session(accessToken: string): UserinfoSession | undefined {
    return this.sessions.get(sessionKey(accessToken))
  }

  /** Every authorization code issued so far is expired. */
  expireCodes(): void {
    for (const grant of this.codes.values()) grant.expiresAt = 0
  }

  /** Drops expired logins, codes and sessions so a long-running simulator stays small. */
  purgeExpired(): void {
    const now = Date.now()
    for (const [id, login] of this.pending) if (login.expiresAt < now) this.pending.delete(id)
    for (const [code, grant] of this.codes) if (grant.expiresAt < now) this.codes.delete(code)
    for (const [hash, session] of this.sessions)
      if (session.expiresAt < now) this.sessions.delete(hash)
  }
}
