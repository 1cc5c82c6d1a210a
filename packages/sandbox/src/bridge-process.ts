import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

/** The `mosip-bridge` command (the compiled server's bin script). */
export const BRIDGE_BIN = fileURLToPath(
  new URL('../../server/bin/mosip-bridge.js', import.meta.url)
)

/**
 * The flags the deployment gives node (the root package's `start` script, which the container
 * recipe runs), so that tests and benchmarks run the bridge as production does.
 */
function deploymentNodeFlags(): string[] {
  const root = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')
  ) as { scripts: { start: string } }
  const words = root.scripts.start.split(/\s+/)
  const script = words.findIndex((word) => word.endsWith('mosip-bridge.js'))
  return words.slice(1, script).filter((word) => word.startsWith('--'))
}

/**
 * A free TCP port on 127.0.0.1 (for services whose URL must be known before they start). The
 * tests' copy in packages/test-support is kept the same: the dependency rules let neither package
 * import the other (test-support is dev-only and imports no package of ours).
 */
export async function freePort(): Promise<number> {
  // Below the kernel's ephemeral range (32768-60999 on Linux), from which outgoing connections
  // take their local ports: a port the kernel handed out could be taken by one of them before
  // the process meant to listen on it does.
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const server = createServer()
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (!bound) continue
    const closed = once(server, 'close')
    server.close()
    await closed
    return port
  }
  throw new Error('no free port between 20000 and 32000')
}

export interface BridgeProcess {
  url: string
  child: ChildProcess
  /** Everything the bridge wrote to stdout and stderr so far. */
  output(): string
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>
  /** SIGKILL: the process dies at once, mid-work. */
  kill(): Promise<void>
}

/**
 * Runs `mosip-bridge serve` in its own process with exactly `env` (plus PATH and HOME), and waits
 * until it answers /health.
 */
export async function startBridgeProcess(options: {
  env: Record<string, string>
  port: number
  cwd?: string
  timeoutMs?: number
  /** Extra arguments for node itself (e.g. --cpu-prof), after the deployment's own. */
  nodeArgs?: string[]
}): Promise<BridgeProcess> {
  const nodeArgs = [...deploymentNodeFlags(), ...(options.nodeArgs ?? [])]
  const child = spawn(process.execPath, [...nodeArgs, BRIDGE_BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      PORT: String(options.port),
      ...options.env
    },
    cwd: options.cwd ?? process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const chunks: string[] = []
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()))
  const url = `http://127.0.0.1:${options.port}`
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the bridge exited with ${child.exitCode}:\n${chunks.join('')}`)
    }
    const healthy = await fetch(`${url}/health`)
      .then((response) => response.ok)
      .catch(() => false)
    if (healthy) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the bridge did not start:\n${chunks.join('')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    url,
    child,
    output: () => chunks.join(''),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      const [code] = (await exited) as [number | null]
      return code
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGKILL')
      await exited
    }
  }
}
