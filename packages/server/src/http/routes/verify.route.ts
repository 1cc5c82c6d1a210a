import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { idaDob, idaFullName, type PersonToVerify } from '../../core/ida-auth-request.js'
import { IDA_RESULT_CODES, type IdaVerdict } from '../../core/ida-auth-result.js'
import { IDA_NOT_CONFIGURED, type IdaVerifier } from '../../core/ida-verification.js'
import { errorResponseSchema } from '../error-response.js'
import { requireOpencrvsToken, type TokenVerifier } from '../opencrvs-auth.js'

interface VerifyRouteDeps {
  verifier: TokenVerifier
  ida: IdaVerifier
  /** Scope the token must carry (`VERIFY_REQUIRED_SCOPE`); undefined: none. */
  requiredScope: string | undefined
  /** Return IDA's reasons for a mismatch (`VERIFY_MISMATCH_DETAILS`); otherwise codes only. */
  mismatchDetails?: boolean
}

/** OpenCRVS's name field value, or a full name as one string. */
const nameSchema = z.union([
  z.string(),
  z.looseObject({
    firstname: z.string().nullish(),
    middlename: z.string().nullish(),
    surname: z.string().nullish()
  })
])

/** The reference client's `VerifyNidPayload`: `{ nid, dob, name, gender?, transactionId? }`. */
const verifyBodySchema = z.object({
  nid: z
    .union([z.string(), z.number().int().nonnegative()])
    .transform((value) => String(value).trim())
    .pipe(
      z
        .string()
        .min(1, 'is required')
        .max(64, 'is too long')
        .regex(/^[A-Za-z0-9-]+$/, 'must be a UIN or VID (letters, digits, -)')
    ),
  dob: z.string().transform((value, ctx) => {
    const dob = idaDob(value)
    if (dob === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a date YYYY-MM-DD' })
      return z.NEVER
    }
    return dob
  }),
  name: nameSchema.transform((value, ctx) => {
    const full = idaFullName(value)
    if (full.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must hold a first name or a surname' })
      return z.NEVER
    }
    return full
  }),
  gender: z.string().nullish(),
  transactionId: z.string().max(200).nullish()
})

/** What the caller receives when it asks for JSON (`Accept: application/json`). */
const verifyJsonResponseSchema = z.object({
  status: z.enum(['verified', 'failed']),
  /** The caller's transaction id, echoed. */
  transactionId: z.string().nullable(),
  /** IDA's transaction id, to find the authentication in MOSIP's records. */
  idaTransactionId: z.string().nullable(),
  /** IDA's reasons when `failed` (error code, message, action, attribute). */
  errors: z.array(
    z.object({
      errorCode: z.string(),
      errorMessage: z.string(),
      actionMessage: z.string().optional(),
      reason: z.string(),
      attribute: z.string().optional(),
      language: z.string().optional()
    })
  )
})
type VerifyJsonResponse = z.infer<typeof verifyJsonResponseSchema>

/**
 * Whether the caller prefers JSON over text: `application/json` (or `*+json`) in Accept with a
 * higher quality than `text/plain`, or listed first at equal quality. The reference client sends
 * no Accept header and gets `text/plain`.
 */
export function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false
  let json: { q: number; index: number } | undefined
  let text: { q: number; index: number } | undefined
  accept.split(',').forEach((part, index) => {
    const [type = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase())
    const qParam = params.find((param) => param.startsWith('q='))
    const q = qParam ? Number(qParam.slice(2)) : 1
    if (!Number.isFinite(q) || q <= 0) return
    if (type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type)) {
      if (!json || q > json.q) json = { q, index }
    } else if (type === 'text/plain' || type === 'text/*') {
      if (!text || q > text.q) text = { q, index }
    }
  })
  if (!json) return false
  if (!text) return true
  return json.q > text.q || (json.q === text.q && json.index < text.index)
}

const SERVICE_UNAVAILABLE: Record<string, string> = {
  [IDA_NOT_CONFIGURED]: 'identity verification with MOSIP IDA is not configured on this bridge',
  [IDA_RESULT_CODES.unableToProcess]: 'MOSIP IDA could not process the request; try again',
  [IDA_RESULT_CODES.unavailable]: 'MOSIP IDA is unavailable; try again later'
}

function sendError(reply: FastifyReply, status: 502 | 503, code: string, message: string) {
  const error = { 502: 'Bad Gateway', 503: 'Service Unavailable' }[status]
  return reply
    .status(status)
    .send({ statusCode: status, error, message, ...(code ? { code } : {}) })
}

function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  verdict: IdaVerdict,
  transactionId: string | null,
  mismatchDetails: boolean
) {
  switch (verdict.kind) {
    case 'verified':
    case 'failed': {
      const status = verdict.kind
      if (!wantsJson(request.headers.accept)) {
        return reply.status(200).type('text/plain; charset=utf-8').send(status)
      }
      const body: VerifyJsonResponse = {
        status,
        transactionId,
        idaTransactionId: verdict.idaTransactionId ?? null,
        errors:
          verdict.kind !== 'failed'
            ? []
            : mismatchDetails
              ? verdict.errors
              : verdict.errors.map((error) => ({
                  errorCode: error.errorCode,
                  errorMessage: 'IDA did not authenticate the person; see the error code',
                  reason: error.errorCode
                }))
      }
      return reply.status(200).send(body)
    }
    case 'unavailable': {
      if (verdict.retryAfterMs !== undefined) {
        void reply.header(
          'retry-after',
          String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000)))
        )
      }
      return sendError(
        reply,
        503,
        verdict.code,
        SERVICE_UNAVAILABLE[verdict.code] ?? 'MOSIP IDA is unavailable; try again later'
      )
    }
    case 'refused':
      // The person was not checked: never `failed`. The details are in the bridge's logs.
      return sendError(
        reply,
        502,
        verdict.code,
        "MOSIP IDA refused the bridge's request, so the person could not be checked; the bridge's logs say why"
      )
  }
}

/**
 * `POST /verify`: MOSIP IDA demographic authentication of a national id, name and date of birth.
 * `verified` or `failed` as text (mosip-api), or JSON with IDA's reasons when asked for; 503 when
 * IDA cannot answer and 502 when IDA refuses the bridge itself, so that no one is marked
 * unverified because of MOSIP or the bridge.
 */
export function registerVerifyRoutes(app: FastifyInstance, deps: VerifyRouteDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/verify',
    {
      onRequest: requireOpencrvsToken(deps.verifier, deps.requiredScope),
      schema: {
        tags: ['verification'],
        summary: 'Check a national id, name and date of birth with MOSIP IDA',
        description:
          'Answers `verified` or `failed` as text/plain, or JSON `{status, transactionId, idaTransactionId, errors}` ' +
          'with `Accept: application/json`. 503 when MOSIP IDA is unavailable, 502 when it refuses the bridge.',
        security: [{ bearerAuth: [] }],
        body: verifyBodySchema,
        response: {
          200: {
            description: 'The verdict, as text or, when asked for, as JSON',
            content: {
              'text/plain': { schema: z.enum(['verified', 'failed']) },
              'application/json': { schema: verifyJsonResponseSchema }
            }
          },
          400: errorResponseSchema,
          502: errorResponseSchema,
          503: errorResponseSchema
        }
      }
    },
    async (request, reply) => {
      const { nid, dob, name, gender, transactionId } = request.body
      const person: PersonToVerify = {
        nid,
        dob,
        name,
        ...(gender && gender.trim().length > 0 ? { gender: gender.trim() } : {})
      }
      const verdict = await deps.ida.verify(person, transactionId ? { transactionId } : {})
      return answer(request, reply, verdict, transactionId ?? null, deps.mismatchDetails === true)
    }
  )
}
