import type { FastifyReply } from 'fastify'

/** An OAuth error answered as `{error, error_description}` (HTTP 400 on `/oauth/*`). */
export class OAuthFailure extends Error {
  readonly error: string
  readonly description: string
  readonly status: number

  constructor(error: string, description: string, status = 400) {
    super(`${error}: ${description}`)
    this.name = 'OAuthFailure'
    this.error = error
    this.description = description
    this.status = status
  }
}

/** Answers an OAuth error as eSignet does: `{error, error_description}`, never cached. */
export function sendOAuthError(reply: FastifyReply, failure: OAuthFailure): void {
  void reply
    .status(failure.status)
    .header('cache-control', 'no-store')
    .send({ error: failure.error, error_description: failure.description })
}
