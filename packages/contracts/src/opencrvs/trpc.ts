import { z } from 'zod'

/**
 * The tRPC-over-HTTP envelope of the events API, with the superjson
 * transformer core uses on both sides.
 */

/** Procedure paths under `{GATEWAY_URL}/events/` that the bridge calls or a fake answers. */
export const OPENCRVS_EVENTS_PROCEDURES = {
  get: 'event.get',
  registerAccept: 'event.actions.register.accept',
  registerReject: 'event.actions.register.reject',
  approveCorrectionAccept: 'event.actions.correction.approve.accept',
  approveCorrectionReject: 'event.actions.correction.approve.reject',
  rejectDeclarationRequest: 'event.actions.reject.request'
} as const

/**
 * `superjson.serialize(value)`: `{json, meta?}`. `meta` appears only for values JSON cannot hold
 * (undefined, Date, Map, Set, BigInt…); `meta.values` maps dotted paths to type annotations
 * (`{"declaration.child.nid": ["undefined"]}`), or is a bare annotation (`["Date"]`) when the
 * whole value is one.
 */
export const opencrvsSuperjsonResultSchema = z.object({
  json: z.unknown(),
  meta: z
    .object({
      values: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
      referentialEqualities: z
        .union([z.array(z.unknown()), z.record(z.string(), z.unknown())])
        .optional()
    })
    .optional()
})
export type OpencrvsSuperjsonResult = z.infer<typeof opencrvsSuperjsonResultSchema>

/** Batch request body (`?batch=1`): inputs keyed by position, `{"0": {json, meta?}, "1": …}`. */
export const opencrvsTrpcBatchRequestSchema = z.record(
  z.string().regex(/^\d+$/),
  opencrvsSuperjsonResultSchema
)

/** tRPC error codes: JSON-RPC number and the HTTP status tRPC maps each to. */
export const OPENCRVS_TRPC_ERROR_CODES = {
  PARSE_ERROR: { number: -32700, httpStatus: 400 },
  BAD_REQUEST: { number: -32600, httpStatus: 400 },
  INTERNAL_SERVER_ERROR: { number: -32603, httpStatus: 500 },
  NOT_IMPLEMENTED: { number: -32603, httpStatus: 501 },
  BAD_GATEWAY: { number: -32603, httpStatus: 502 },
  SERVICE_UNAVAILABLE: { number: -32603, httpStatus: 503 },
  GATEWAY_TIMEOUT: { number: -32603, httpStatus: 504 },
  UNAUTHORIZED: { number: -32001, httpStatus: 401 },
  PAYMENT_REQUIRED: { number: -32002, httpStatus: 402 },
  FORBIDDEN: { number: -32003, httpStatus: 403 },
  NOT_FOUND: { number: -32004, httpStatus: 404 },
  METHOD_NOT_SUPPORTED: { number: -32005, httpStatus: 405 },
  TIMEOUT: { number: -32008, httpStatus: 408 },
  CONFLICT: { number: -32009, httpStatus: 409 },
  PRECONDITION_FAILED: { number: -32012, httpStatus: 412 },
  PAYLOAD_TOO_LARGE: { number: -32013, httpStatus: 413 },
  UNSUPPORTED_MEDIA_TYPE: { number: -32015, httpStatus: 415 },
  UNPROCESSABLE_CONTENT: { number: -32022, httpStatus: 422 },
  TOO_MANY_REQUESTS: { number: -32029, httpStatus: 429 },
  CLIENT_CLOSED_REQUEST: { number: -32099, httpStatus: 499 }
} as const
export type OpencrvsTrpcErrorCode = keyof typeof OPENCRVS_TRPC_ERROR_CODES

const errorCodeNames = Object.keys(OPENCRVS_TRPC_ERROR_CODES) as [
  OpencrvsTrpcErrorCode,
  ...OpencrvsTrpcErrorCode[]
]
export const opencrvsTrpcErrorCodeSchema = z.enum(errorCodeNames)

/**
 * The error shape (before the transformer wraps it in `{json}`). `path` is absent for errors
 * outside a procedure and, in production, for INTERNAL_SERVER_ERROR (whose message then reads
 * "Internal server error"); `stack` appears only outside production.
 */
export const opencrvsTrpcErrorShapeSchema = z.object({
  message: z.string(),
  code: z.number().int(),
  data: z.looseObject({
    code: opencrvsTrpcErrorCodeSchema,
    httpStatus: z.number().int(),
    path: z.string().optional(),
    stack: z.string().optional()
  })
})
export type OpencrvsTrpcErrorShape = z.infer<typeof opencrvsTrpcErrorShapeSchema>

export const opencrvsTrpcSuccessItemSchema = z.object({
  result: z.object({ data: opencrvsSuperjsonResultSchema })
})
export const opencrvsTrpcErrorItemSchema = z.object({
  error: z.object({
    json: opencrvsTrpcErrorShapeSchema,
    meta: opencrvsSuperjsonResultSchema.shape.meta
  })
})
/** One result: `{result: {data: {json, meta?}}}` or `{error: {json: <error shape>}}`. */
export const opencrvsTrpcResponseItemSchema = z.union([
  opencrvsTrpcSuccessItemSchema,
  opencrvsTrpcErrorItemSchema
])
export type OpencrvsTrpcResponseItem = z.infer<typeof opencrvsTrpcResponseItemSchema>

/**
 * Batch response: one item per procedure, in request order. HTTP 200 when all succeed, the
 * common status when all fail alike, 207 when they differ.
 */
export const opencrvsTrpcBatchResponseSchema = z.array(opencrvsTrpcResponseItemSchema)
