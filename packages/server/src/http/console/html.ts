import escapeHtml from 'escape-html'

/** HTML already escaped (or written by the console itself), inserted as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | Interpolation[]

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof SafeHtml) return value.value
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/**
 * The console's templates: a tagged template in which every interpolated value is escaped
 * (escape-html) unless it is `SafeHtml` — a fragment made by `html` itself. Arrays are joined;
 * null, undefined and false render as nothing. (A template engine would add a second language
 * and files to ship for a handful of pages; the tag keeps escaping the default.)
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '')
  })
  return new SafeHtml(out)
}
