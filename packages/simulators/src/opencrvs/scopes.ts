import { OPENCRVS_SCOPE, type OpencrvsVersion } from '@mosip-bridge/contracts'

/**
 * Scope strings as each OpenCRVS line writes them:
 * - v1.9: plain `record.confirm-registration` or bracketed `record.read[event=birth|death]`
 *   (options separated by `,`, values by `|`);
 * - v2.0 and 2.1: qs-encoded `type=record.read&event=birth,death` (values separated by `,`).
 * A scope written for the other line does not parse as the same type, so it grants nothing.
 */
interface ParsedScope {
  type: string
  options: Record<string, string[]>
}

export function parseScope(scope: string, version: OpencrvsVersion): ParsedScope | undefined {
  if (version === 'v1.9') {
    const match = /^([^[\]=&]+)(?:\[([^\]]*)\])?$/.exec(scope)
    if (!match?.[1]) return undefined
    const options: Record<string, string[]> = {}
    for (const part of (match[2] ?? '').split(',')) {
      const [key, value] = part.split('=')
      if (key && value !== undefined) options[key] = value.split('|').filter((v) => v !== '')
    }
    return { type: match[1], options }
  }
  const params = new URLSearchParams(scope)
  const type = params.get('type')
  if (!type) return undefined
  const options: Record<string, string[]> = {}
  for (const [key, value] of params) {
    if (key !== 'type') options[key] = value.split(',').filter((v) => v !== '')
  }
  return { type, options }
}

export function formatScope(
  type: string,
  options: Record<string, string[]>,
  version: OpencrvsVersion
): string {
  const entries = Object.entries(options).filter(([, values]) => values.length > 0)
  if (version === 'v1.9') {
    if (entries.length === 0) return type
    return `${type}[${entries.map(([key, values]) => `${key}=${values.join('|')}`).join(',')}]`
  }
  const params = [`type=${type}`, ...entries.map(([key, values]) => `${key}=${values.join(',')}`)]
  return params.join('&')
}

/**
 * Writes a configured scope in the format of `version`, as the v2.0 auth service converts
 * legacy names to qs form. A scope already in the right format is kept as written.
 */
export function toVersionScope(scope: string, version: OpencrvsVersion): string {
  if (parseScope(scope, version)) return scope
  const other = parseScope(scope, version === 'v1.9' ? 'v2.0' : 'v1.9')
  return other ? formatScope(other.type, other.options, version) : scope
}

/**
 * Whether `scopes` grant `type`; with `eventType`, an `event` option must include it (a scope
 * without an `event` option covers every event type).
 */
export function hasScope(
  scopes: readonly string[] | undefined,
  type: string,
  version: OpencrvsVersion,
  eventType?: string
): boolean {
  return (scopes ?? []).some((scope) => {
    const parsed = parseScope(scope, version)
    if (parsed?.type !== type) return false
    const events = parsed.options['event']
    return eventType === undefined || events === undefined || events.includes(eventType)
  })
}

/**
 * Whether a token holds both confirmation scopes (confirm and reject registration): v1.9 compares
 * them as plain strings; v2.0 decodes them.
 */
export function hasConfirmationScopes(
  scopes: readonly string[] | undefined,
  version: OpencrvsVersion
): boolean {
  const needed = [OPENCRVS_SCOPE.confirmRegistration, OPENCRVS_SCOPE.rejectRegistration]
  if (version === 'v1.9') return needed.every((scope) => (scopes ?? []).includes(scope))
  return needed.every((type) => hasScope(scopes, type, version))
}
