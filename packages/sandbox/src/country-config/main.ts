import { runCountryConfigCli } from './cli.js'

const result = await runCountryConfigCli(process.argv.slice(2), process.env)
if (result.kind === 'help') {
  process.stdout.write(result.text)
} else if (result.kind === 'usage-error') {
  process.stderr.write(`country-config: ${result.message}\n`)
  process.exitCode = 2
} else {
  const { countryConfig } = result
  process.stdout.write(
    `example country configuration listening on ${countryConfig.url}\n` +
      `triggers: POST ${countryConfig.url}/trigger/events/{event}/actions/{action}. Ctrl+C stops.\n`
  )
  const stop = () => {
    void countryConfig.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
