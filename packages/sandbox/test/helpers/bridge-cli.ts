import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { BRIDGE_BIN } from '../../src/bridge-process.js'

export interface BridgeCliResult {
  /** The exit code; `null` when a signal ended the process. */
  status: number | null
  stdout: string
  stderr: string
}

/**
 * Runs one `mosip-bridge` command in its own process, as an operator would, and waits for it to
 * end. The process gets exactly `env` plus PATH and HOME, and `input` (or nothing) on its standard
 * input.
 *
 * @example
 * const hashed = await runBridgeCli(['admin', 'hash-password'], { input: 'a password\n' })
 * assert.equal(hashed.status, 0, hashed.stderr)
 */
export async function runBridgeCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {}
): Promise<BridgeCliResult> {
  const child = spawn(process.execPath, [BRIDGE_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  const stdout: string[] = []
  const stderr: string[] = []
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()))
  // 'close' rather than 'exit': it comes once the output has been read to the end.
  const closed = once(child, 'close')
  // A command that ends without reading its input closes the pipe: its exit code and output say
  // what happened, an EPIPE here would only hide them.
  child.stdin.on('error', () => {})
  child.stdin.end(options.input ?? '')
  const [status] = (await closed) as [number | null]
  return { status, stdout: stdout.join(''), stderr: stderr.join('') }
}
