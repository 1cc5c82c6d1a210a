import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    // The workspace's own resolution condition must not leak into the consumer's processes.
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

/**
 * What a country configuration gets from `npm install @mosip-bridge/client`: the packed tarballs
 * (client and contracts) installed into an empty project, then used from plain Node ESM, from
 * CommonJS, and type-checked with OpenCRVS countryconfig's compiler settings.
 */
describe('@mosip-bridge/client as a country configuration installs it', () => {
  it('packs, installs, and loads from ESM, CommonJS and TypeScript (commonjs, node resolution)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-install-'))
    try {
      const packs = join(dir, 'packs')
      mkdirSync(packs)
      for (const pkg of ['contracts', 'client']) {
        run(npm, ['pack', '--silent', '--pack-destination', packs], join(root, 'packages', pkg))
      }
      const tarballs = readdirSync(packs).map((file) => join(packs, file))
      assert.equal(tarballs.length, 2)
      const listed = run('tar', ['-tzf', tarballs.find((t) => t.includes('client'))!], dir)
      assert.ok(listed.includes('package/dist/cjs/index.js'), 'CommonJS build shipped')
      assert.ok(listed.includes('package/LICENSE'))
      assert.ok(!/\.ts\n/.test(listed.replaceAll('.d.ts', '')), 'no TypeScript sources')
      assert.ok(!listed.includes('/test/'), 'no tests')

      const app = join(dir, 'countryconfig')
      mkdirSync(app)
      writeFileSync(
        join(app, 'package.json'),
        JSON.stringify({ name: 'countryconfig', version: '1.0.0', private: true })
      )
      run(
        npm,
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', ...tarballs],
        app
      )

      const esm = run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "import * as client from '@mosip-bridge/client'; console.log(typeof client.createMosipInteropClient, typeof client.shouldForwardBirthRegistrationToMosip, typeof client.MosipInteropError)"
        ],
        app
      )
      assert.equal(esm.trim(), 'function function function')
      const cjs = run(
        process.execPath,
        [
          '-e',
          "const client = require('@mosip-bridge/client'); console.log(typeof client.createMosipInteropClient, typeof client.DEFAULT_RETRY_POLICY)"
        ],
        app
      )
      assert.equal(cjs.trim(), 'function object')

      writeFileSync(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'es2019',
            module: 'commonjs',
            moduleResolution: 'node',
            strict: true,
            esModuleInterop: true,
            skipLibCheck: true,
            noEmit: true,
            types: []
          },
          include: ['index.ts']
        })
      )
      writeFileSync(
        join(app, 'index.ts'),
        [
          "import { createMosipInteropClient, type MosipInteropClient } from '@mosip-bridge/client'",
          'export function make(url: string, token: string): MosipInteropClient {',
          '  return createMosipInteropClient(url, `Bearer ${token}`, { retries: 1 })',
          '}',
          '// @ts-expect-error the bridge URL is a string',
          "createMosipInteropClient(42, 'Bearer x')",
          ''
        ].join('\n')
      )
      run(process.execPath, [tsc, '-p', 'tsconfig.json'], app)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
