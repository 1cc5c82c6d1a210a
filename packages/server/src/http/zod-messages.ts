import type { FastifyRequest } from 'fastify'
import type { ZodFastifySchemaValidationError } from 'fastify-type-provider-zod'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the route expects as its body, e.g. `{ clientId, redirectUri }`, appended to "the body
     * must be a JSON object" when the body is not one.
     */
    expectedBody?: string
  }
}

/** The part of a request a route schema validates, as Fastify names it. */
type ValidationContext = 'body' | 'headers' | 'params' | 'querystring'

/** At most this many problems are named in one message. */
const MAX_PROBLEMS = 10

/**
 * `/a/0/b` → `a.0.b`; the root of the validated part is named after the part (`body`). The
 * provider joins path segments with `/`, so a key that itself holds a `/` reads as two segments.
 */
function fieldName(instancePath: string, context: ValidationContext): string {
  const path = instancePath.replace(/^\//, '')
  return path.length > 0 ? path.replaceAll('/', '.') : context
}

function isJsonObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null
}

/**
 * The message of a 400 for a request its route schema refused: "field.path: problem;
 * other.field: problem" — names every problem (the first ten), quotes no values. A body that is
 * not a JSON object at all (none, a string, a number, null) gets "the body must be a JSON object".
 */
export function describeValidationProblems(
  problems: readonly ZodFastifySchemaValidationError[],
  context: ValidationContext,
  request: FastifyRequest
): string {
  const notAnObject = problems.some(
    (problem) => problem.instancePath === '/' && problem.keyword === 'invalid_type'
  )
  if (context === 'body' && notAnObject && !isJsonObject(request.body)) {
    const expected = request.routeOptions.config.expectedBody
    return `the body must be a JSON object${expected ? ` ${expected}` : ''}`
  }
  return problems
    .slice(0, MAX_PROBLEMS)
    .map((problem) => `${fieldName(problem.instancePath, context)}: ${problem.message}`)
    .join('; ')
}
