import type { z } from 'zod'

/** "field.path: problem; other.field: problem" — names every problem, quotes no values. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ')
}
