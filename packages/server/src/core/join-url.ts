/**
 * `base` read as a directory, with `segments` appended: the path of `base` is kept whether or not
 * it ends in `/`, its query and fragment are dropped, and each segment is percent-encoded as one
 * path segment. `joinUrl('https://gw.example/api/', 'events', 'event.get')` is
 * `https://gw.example/api/events/event.get` (`new URL('events', base)` would drop `api` when the
 * base has no trailing slash).
 */
export function joinUrl(base: string | URL, ...segments: string[]): URL {
  const url = new URL(base)
  url.search = ''
  url.hash = ''
  const path = url.pathname.replace(/\/+$/, '')
  url.pathname = [path, ...segments.map((segment) => encodeURIComponent(segment))].join('/')
  return url
}
