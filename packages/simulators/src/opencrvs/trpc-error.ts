import {
  OPENCRVS_TRPC_ERROR_CODES,
  type OpencrvsTrpcErrorCode,
  type OpencrvsTrpcErrorShape
} from '@mosip-bridge/contracts'

/** A tRPC error as core throws it; without a message, the message is the code (as TRPCError). */
export class TrpcError extends Error {
  readonly code: OpencrvsTrpcErrorCode

  constructor(code: OpencrvsTrpcErrorCode, message?: string) {
    super(message ?? code)
    this.name = 'TRPCError'
    this.code = code
  }
}

/**
 * The error shape tRPC builds with OpenCRVS's errorFormatter: a thrown
 * non-tRPC error becomes INTERNAL_SERVER_ERROR with its message; in production an
 * INTERNAL_SERVER_ERROR reads "Internal server error" with `data: {code, httpStatus}` only, and
 * no error carries a stack.
 */
export function trpcErrorShape(
  error: unknown,
  options: { path?: string; production: boolean }
): OpencrvsTrpcErrorShape {
  const trpc =
    error instanceof TrpcError
      ? error
      : new TrpcError('INTERNAL_SERVER_ERROR', error instanceof Error ? error.message : undefined)
  const { number, httpStatus } = OPENCRVS_TRPC_ERROR_CODES[trpc.code]
  if (options.production && trpc.code === 'INTERNAL_SERVER_ERROR') {
    return {
      message: 'Internal server error',
      code: number,
      data: { code: trpc.code, httpStatus }
    }
  }
  const data: OpencrvsTrpcErrorShape['data'] = { code: trpc.code, httpStatus }
  if (!options.production) {
    data.stack = `${trpc.name}: ${trpc.message}\n    at ${options.path ?? 'resolveResponse'} (opencrvs-simulator)`
  }
  if (options.path !== undefined) data.path = options.path
  return { message: trpc.message, code: number, data }
}
