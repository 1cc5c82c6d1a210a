/** `mosip-bridge serve` as a real process: it starts, serves, and drains on SIGTERM. */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, waitFor } from '@mosip-bridge/test-support'

const bin = fileURLToPath(new URL('../bin/mosip-bridge.js', import.meta.url))

describe('mosip-bridge serve', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-serve-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('serves, then shuts down cleanly on SIGTERM', async () => {
    const port = await freePort()
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      NODE_ENV: 'development',
      SQLITE_DATABASE_PATH: join(dir, 'bridge.db'),
      LOG_LEVEL: 'info',
      PORT: String(port),
      HOST: '127.0.0.1',
      MOSIP_WEBSUB_SECRET: 'never-logged-777'
    }
    const child = spawn(process.execPath, [bin, 'serve'], {
      env,
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      await waitFor('the bridge to listen', async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined)
        return response?.status === 200
      })
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      const [code] = await exited
      assert.equal(code, 0)
      assert.match(output, /mosip-bridge stopped/)
      assert.ok(!output.includes('never-logged-777'))
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
