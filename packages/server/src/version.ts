import { readFileSync } from 'node:fs'

/** The server package's version, from the package.json beside src/ and dist/ (read once). */
export const BRIDGE_VERSION: string =
  (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string
    }
  ).version ?? 'unknown'
