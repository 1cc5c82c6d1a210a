/**
 * What `mosip-bridge-sim` prints is enough for the bridge to start in production: every
 * variable it requires there is set, and the ones only OpenCRVS's reference mosip-api reads are
 * accepted and reported as ignored. (That the printed list covers the reference's own required
 * variables is checked on the command's output, in the simulators' CLI test.)
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatEnvironment, startSimulators } from '@mosip-bridge/simulators'
import { formatProblems, loadConfig } from '@mosip-bridge/server'

/** `KEY=value` lines as `formatEnvironment` writes them (quoted values are JSON strings). */
function parseEnvironment(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split('\n').map((line) => {
      const name = line.slice(0, line.indexOf('='))
      const value = line.slice(line.indexOf('=') + 1)
      return [name, value.startsWith('"') ? (JSON.parse(value) as string) : value]
    })
  )
}

describe("the simulators' printed environment", () => {
  it('starts the bridge with NODE_ENV=production from it alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulator-environment-'))
    const suite = await startSimulators({ dir })
    try {
      const printed = parseEnvironment(formatEnvironment({ ...suite.env, ...suite.referenceEnv }))
      assert.deepEqual(printed, { ...suite.env, ...suite.referenceEnv }, 'printed as it is')

      const loaded = loadConfig({ ...printed, NODE_ENV: 'production' })
      assert.ok(loaded.ok, loaded.ok ? '' : formatProblems(loaded.problems))
      assert.deepEqual(
        [...loaded.config.ignoredVariables].sort(),
        Object.keys(suite.referenceEnv).sort(),
        'only the reference-only variables are ignored'
      )
      assert.equal(loaded.config.server.locale, 'en')
      assert.equal(loaded.config.server.clientAppUrl, suite.opencrvs.url)

      const bridgeOnly = loadConfig({ ...suite.env, NODE_ENV: 'production' })
      assert.ok(bridgeOnly.ok, bridgeOnly.ok ? '' : formatProblems(bridgeOnly.problems))
      assert.deepEqual(bridgeOnly.config.ignoredVariables, [], 'env alone sets nothing ignored')
    } finally {
      await suite.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
