/**
 * Joins the bridge's base URL and a route. Unlike `new URL('./events/registration', base)`
 * (the reference client), a base with a path keeps its last segment whether or not it ends in a
 * slash: `https://host/mosip-api` and `https://host/mosip-api/` both give
 * `https://host/mosip-api/events/registration`. A query string on the base is kept.
 */
export function endpointUrl(base: string, route: string): string {
  let url: URL
  try {
    url = new URL(base)
  } catch {
    throw new TypeError(`the MOSIP interop URL is not an absolute URL: ${JSON.stringify(base)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`the MOSIP interop URL must be http or https, not ${url.protocol}`)
  }
  const path = url.pathname.replace(/\/+$/, '')
  url.pathname = `${path}/${route.replace(/^\/+/, '')}`
  url.hash = ''
  return url.toString()
}
