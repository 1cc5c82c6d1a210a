/**
 * OpenCRVS scope strings, in the formats the released versions put in tokens:
 *
 * - v1.9 plain: `record.confirm-registration`, `record.read`
 * - v1.9 bracket: `record.read[event=birth|death]`, `search[event=birth,access=all]`
 *   (options separated by `,`, alternative values by `|`)
 * - v2.0 query string: `type=record.read&event=birth,death` (alternative values by `,`)
 */

interface ParsedScope {
  type: string
  /** Option name → allowed values; an absent option means "no restriction". */
  options: Record<string, string[]>
}

const BRACKET = /^([^[\]=&]+)\[(.*)\]$/

function splitValues(value: string, separator: RegExp): string[] {
  return value
    .split(separator)
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
}

/** Parses one scope string, or undefined when it is empty or has no type. */
export function parseScope(scope: string): ParsedScope | undefined {
  const text = scope.trim()
  if (text.length === 0) return undefined
  if (text.includes('=') && !BRACKET.test(text)) {
    const params = new URLSearchParams(text)
    const type = params.get('type')?.trim()
    if (!type) return undefined
    const options: Record<string, string[]> = {}
    for (const [key, value] of params) {
      if (key === 'type' || key === '__proto__') continue
      options[key] = [...(options[key] ?? []), ...splitValues(value, /,/)]
    }
    return { type, options }
  }
  const bracket = BRACKET.exec(text)
  if (bracket) {
    const [, type = '', inner = ''] = bracket
    const options: Record<string, string[]> = {}
    for (const part of inner.split(',')) {
      const [key, ...rest] = part.split('=')
      const name = key?.trim()
      if (!name || name === '__proto__') continue
      options[name] = [...(options[name] ?? []), ...splitValues(rest.join('='), /\|/)]
    }
    return { type: type.trim(), options }
  }
  return { type: text, options: {} }
}

/** Reads the `scope` claim: an array of strings (OpenCRVS) or a space-separated string (OAuth). */
export function scopesFromClaim(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((s): s is string => typeof s === 'string')
  if (typeof claim === 'string') return claim.split(/\s+/).filter((s) => s.length > 0)
  return []
}

interface ScopeRequirement {
  /** Require the scope to cover this event type (`birth`, `death`, …). */
  event?: string
}

/**
 * Whether any of `scopes` grants `required` (a scope type such as `record.read`), in any of the
 * three formats. With `event`, a scope restricted to other event types does not count; a scope
 * without an event restriction covers every event type.
 */
export function hasScope(
  scopes: readonly string[],
  required: string,
  requirement: ScopeRequirement = {}
): boolean {
  return scopes.some((scope) => {
    const parsed = parseScope(scope)
    if (!parsed || parsed.type !== required) return false
    if (requirement.event === undefined) return true
    const events = parsed.options.event
    return events === undefined || events.includes(requirement.event)
  })
}
