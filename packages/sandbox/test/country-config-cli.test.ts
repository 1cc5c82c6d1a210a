import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { runCountryConfigCli } from '../src/country-config/cli.js'

describe('country-config command', () => {
  it('starts the example country configuration on its own', async () => {
    const result = await runCountryConfigCli(
      ['--port', '0', '--bridge-url', 'http://127.0.0.1:9'],
      {}
    )
    assert.equal(result.kind, 'started')
    if (result.kind !== 'started') return
    try {
      const health = await fetch(`${result.countryConfig.url}/health`)
      assert.equal(health.status, 200)
      const other = await fetch(
        `${result.countryConfig.url}/trigger/events/tennis-club/actions/DECLARE`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}'
        }
      )
      assert.equal(other.status, 200, 'a trigger that does not go to MOSIP is accepted at once')
    } finally {
      await result.countryConfig.close()
    }
  })

  it('names a bad option instead of starting', async () => {
    const badPort = await runCountryConfigCli(['--port', 'eighty'], {})
    assert.deepEqual(badPort, {
      kind: 'usage-error',
      message: '--port is not a port number: eighty'
    })
    const badUrl = await runCountryConfigCli([], { MOSIP_INTEROP_URL: 'not a url' })
    assert.equal(badUrl.kind, 'usage-error')
    const unknown = await runCountryConfigCli(['--colour', 'blue'], {})
    assert.equal(unknown.kind, 'usage-error')
    const help = await runCountryConfigCli(['--help'], {})
    assert.equal(help.kind, 'help')
  })
})
