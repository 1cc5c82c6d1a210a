import { z } from 'zod'

/**
 * OpenCRVS release lines whose wire behaviour differs for the bridge:
 * - `v1.9`: plain or bracket scopes (`record.read[event=birth|death]`), `event.get` takes a bare
 *   UUID, lenient UUIDs, client_credentials parameters read from the query only;
 * - `v2.0`: qs-encoded scopes (`type=record.read&event=birth,death`), `event.get` takes
 *   `{eventId}`, RFC-strict UUIDs, strict `request` inputs;
 * - `v2.1` (documentation and open PRs only): trigger tokens carry no scopes, accept/reject need a
 *   system client holding `record.action.accept` / `record.action.reject`, no token exchange.
 */
export const opencrvsVersionSchema = z.enum(['v1.9', 'v2.0', 'v2.1'])
export type OpencrvsVersion = z.infer<typeof opencrvsVersionSchema>
