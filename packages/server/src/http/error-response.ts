import { z } from 'zod'

/**
 * The body of the bridge's own 4xx and 5xx answers: the HTTP status, its name, a message that
 * names the problem without quoting the request, and a stable code where one exists.
 */
export const errorResponseSchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  code: z.string().optional()
})
