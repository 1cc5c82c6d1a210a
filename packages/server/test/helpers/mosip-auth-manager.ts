/**
 * A fake MOSIP auth manager for the MOSIP client tests: answers logins like MOSIP does (the
 * token as cookie and header, a JSON envelope), with tokens a test can count.
 */
import { sendJson, type Responder } from '@mosip-bridge/test-support'

/** An unsigned JWT-shaped token: only its claims matter to the bridge. */
export function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`
}

export const AUTH_OK_BODY = {
  id: 'string',
  version: 'string',
  responsetime: '2025-01-01T00:00:00.000Z',
  metadata: null,
  response: {
    status: 'Success',
    message: 'Clientid and Token combination had been validated successfully'
  },
  errors: null
}

/** Auth manager answering like MOSIP: the token as cookie and header, a JSON envelope. */
export function authManager(issue: () => string): Responder {
  return (_request, res) => {
    const token = issue()
    res.setHeader('Set-Cookie', [
      'JSESSIONID=abc123; Path=/; HttpOnly',
      `Authorization=${token}; Max-Age=1800; Path=/; HttpOnly`
    ])
    res.setHeader('Authorization', token)
    sendJson(res, 200, AUTH_OK_BODY)
  }
}

/** Tokens `<prefix>-1`, `<prefix>-2`, … and how many were issued. */
export function counterTokens(prefix = 'token'): { issue: () => string; count: () => number } {
  let n = 0
  return { issue: () => `${prefix}-${++n}`, count: () => n }
}

export const T0 = Date.UTC(2025, 3, 17, 7, 30, 0)
/** Generous: these tests are about what is sent and how answers are read, not about timeouts,
 * and a loaded CI machine can be slow. */
export const CALL_TIMEOUT_MS = 20_000
