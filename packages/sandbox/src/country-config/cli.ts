import { parseArgs } from 'node:util'
import { startExampleCountryConfig, type ExampleCountryConfig } from './example-country-config.js'

/**
 * `npm run -s country-config -- --bridge-url http://localhost:2024`: the example country
 * configuration on its own, for pointing a simulated (`--country-config-url`) or real OpenCRVS
 * core at it. Options may also come from the environment under the names a country
 * configuration uses (`MOSIP_INTEROP_URL`, `PORT`, `AUTH_URL`).
 */

const COUNTRY_CONFIG_USAGE = `Usage: country-config [options]

  --bridge-url <url>      the bridge's base URL (default $MOSIP_INTEROP_URL or http://localhost:2024)
  --port <port>           port to listen on (default $PORT or 3040, OpenCRVS's country config port)
  --host <host>           interface to listen on (default 127.0.0.1)
  --public-key-url <url>  OpenCRVS auth's public key ({AUTH_URL}/.well-known; default from $AUTH_URL):
                          trigger tokens are then verified and a bad one gets 401
  -h, --help              this text
`

type CountryConfigCliResult =
  | { kind: 'started'; countryConfig: ExampleCountryConfig }
  | { kind: 'help'; text: string }
  | { kind: 'usage-error'; message: string }

function portNumber(value: string): number | undefined {
  const port = Number(value)
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : undefined
}

/** Parses the arguments and starts the server; `env` stands for the process environment. */
export async function runCountryConfigCli(
  argv: string[],
  env: Record<string, string | undefined>
): Promise<CountryConfigCliResult> {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
      options: {
        'bridge-url': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'public-key-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      },
      strict: true
    }).values
  } catch (error) {
    return { kind: 'usage-error', message: (error as Error).message }
  }
  if (values.help) return { kind: 'help', text: COUNTRY_CONFIG_USAGE }

  const bridgeUrl = String(values['bridge-url'] ?? env.MOSIP_INTEROP_URL ?? 'http://localhost:2024')
  if (!URL.canParse(bridgeUrl)) {
    return { kind: 'usage-error', message: `--bridge-url is not a URL: ${bridgeUrl}` }
  }
  const portText = String(values.port ?? env.PORT ?? '3040')
  const port = portNumber(portText)
  if (port === undefined) {
    return { kind: 'usage-error', message: `--port is not a port number: ${portText}` }
  }
  const authUrl = env.AUTH_URL?.replace(/\/+$/, '')
  const publicKeyUrl =
    (values['public-key-url'] as string | undefined) ??
    (authUrl ? `${authUrl}/.well-known` : undefined)
  const countryConfig = await startExampleCountryConfig({
    bridgeUrl,
    port,
    host: String(values.host ?? '127.0.0.1'),
    ...(publicKeyUrl ? { opencrvsPublicKeyUrl: publicKeyUrl } : {})
  })
  return { kind: 'started', countryConfig }
}
