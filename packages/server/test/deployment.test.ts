import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, parseAllDocuments } from 'yaml'
import { variableInfoOf, variableNames } from '../src/config/variables.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const read = (path: string) => readFileSync(join(root, path), 'utf8')

interface Instruction {
  stage: string
  keyword: string
  args: string
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
  const result: Instruction[] = []
  let stage = ''
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line)
    if (!match) continue
    const [, keyword, args] = match as unknown as [string, string, string]
    if (keyword === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? args
    result.push({ stage, keyword, args: args.trim() })
  }
  return result
}

const known = new Set<string>(variableNames)

/**
 * What can be checked of the deployment recipes without a container engine: the files they copy
 * exist, they start the bridge the way CI does, and every variable they set is one the
 * configuration knows.
 */
describe('deployment recipes', () => {
  const dockerfile = instructions(read('Dockerfile'))
  const runtime = dockerfile.filter((i) => i.stage === 'runtime')

  it('builds on Node 22 slim and runs as a non-root user with a data volume and a health check', () => {
    const bases = dockerfile.filter((i) => i.keyword === 'FROM').map((i) => i.args)
    assert.ok(bases.length >= 2, 'multi-stage')
    for (const base of bases) assert.match(base, /^node:22[-.\w]*slim/)
    assert.deepEqual(
      runtime.filter((i) => i.keyword === 'USER').map((i) => i.args),
      ['node']
    )
    assert.ok(runtime.some((i) => i.keyword === 'VOLUME' && i.args.includes('/data')))
    const health = runtime.find((i) => i.keyword === 'HEALTHCHECK')
    assert.ok(health?.args.includes('/health'))
    const sqlite = runtime.find((i) => i.keyword === 'ENV')?.args ?? ''
    assert.match(sqlite, /SQLITE_DATABASE_PATH=\/data\//)
    assert.ok(
      runtime.some((i) => i.keyword === 'EXPOSE' && i.args === variableInfoOf('PORT')?.default)
    )
  })

  it('starts the bridge with the command CI runs (npm start) and copies only what exists', () => {
    const cmd = runtime.find((i) => i.keyword === 'CMD')
    assert.ok(cmd)
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start
    assert.equal((JSON.parse(cmd.args) as string[]).join(' '), start)
    const script = start.split(' ').find((word) => word.endsWith('.js'))
    assert.ok(script && existsSync(join(root, script)), 'the start script exists')

    const copies = dockerfile.filter((i) => i.keyword === 'COPY')
    assert.ok(copies.length > 0)
    for (const copy of copies) {
      const parts = copy.args.split(/\s+/).filter((part) => !part.startsWith('--'))
      const sources = parts.slice(0, -1)
      for (const source of sources) {
        // The runtime stage copies what deploy/assemble-runtime.sh gathered (checked below).
        if (source === '.' || (copy.args.includes('--from=build') && source === '/out')) continue
        assert.ok(existsSync(join(root, source)), `${copy.args}: ${source} exists`)
      }
    }
    const assemble = read('deploy/assemble-runtime.sh')
    assert.ok(
      dockerfile.some((i) => i.keyword === 'RUN' && i.args.includes('deploy/assemble-runtime.sh')),
      'the build stage gathers the runtime files'
    )
    for (const path of [
      'package.json',
      'LICENSE',
      'packages/contracts/package.json',
      'packages/contracts/dist/index.js',
      'packages/server/package.json',
      'packages/server/dist/cli/main.js',
      'packages/server/bin/mosip-bridge.js'
    ]) {
      assert.ok(existsSync(join(root, path)), `${path} exists (after npm ci)`)
    }
    assert.match(assemble, /packages\/\$pkg\/dist/)
    assert.match(assemble, /for pkg in contracts server/)
    // Compiled output, not TypeScript through a loader, and no development dependency.
    const bin = read('packages/server/bin/mosip-bridge.js')
    assert.match(bin, /dist\/cli\/main\.js/)
    assert.doesNotMatch(bin, /tsx/)
    const server = JSON.parse(read('packages/server/package.json')) as {
      dependencies: Record<string, string>
    }
    assert.equal(server.dependencies.tsx, undefined)
    assert.equal(server.dependencies.typescript, undefined)
  })

  it('sets only variables the configuration knows', () => {
    const dockerEnv = runtime
      .filter((i) => i.keyword === 'ENV')
      .flatMap((i) => [...i.args.matchAll(/([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1]!))
    const compose = parse(read('deploy/compose.yaml')) as {
      services: Record<string, { environment?: Record<string, string> }>
    }
    const bridgeEnv = Object.keys(compose.services['mosip-bridge']?.environment ?? {})
    assert.ok(bridgeEnv.includes('DATABASE_URL'), 'compose runs on PostgreSQL')
    assert.ok(compose.services.postgres, 'compose has PostgreSQL')
    const manifests = parseAllDocuments(read('deploy/kubernetes/mosip-bridge.yaml')).map(
      (doc) => doc.toJS() as { kind: string; data?: Record<string, string> }
    )
    const configMap = manifests.find((m) => m.kind === 'ConfigMap')
    const k8sEnv = Object.keys(configMap?.data ?? {})
    for (const name of [...dockerEnv, ...bridgeEnv, ...k8sEnv]) {
      assert.ok(known.has(name), `${name} is a configuration variable`)
    }
    // Secrets never sit in the ConfigMap.
    for (const name of k8sEnv) {
      assert.ok(!variableInfoOf(name)?.secret, `${name} is not a secret`)
    }
    assert.ok(manifests.some((m) => m.kind === 'Deployment'))
  })

  it('ships an MPL-2.0 licence', () => {
    assert.match(read('LICENSE'), /^Mozilla Public License,? [Vv]ersion 2\.0/)
    for (const pkg of ['client', 'contracts']) {
      const manifest = JSON.parse(read(`packages/${pkg}/package.json`)) as {
        license: string
        private?: boolean
      }
      assert.equal(manifest.license, 'MPL-2.0')
      assert.notEqual(manifest.private, true)
    }
  })
})
