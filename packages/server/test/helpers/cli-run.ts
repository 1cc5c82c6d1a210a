/** Runs `mosip-bridge` commands in this process through `runCli`, keeping what they print. */
import { Writable } from 'node:stream'
import { runCli } from '../../src/cli/main.js'

/** A stream that keeps what is written to it. */
export function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString())
      done()
    }
  })
  return { stream, text: () => chunks.join('') }
}

/** Runs one command in this process; the result has the shape of `spawnSync`'s. */
export async function runCommand(
  args: string[],
  env: Record<string, string>,
  cwd: string
): Promise<{ status: number; stdout: string; stderr: string }> {
  const stdout = collector()
  const stderr = collector()
  const status = await runCli({
    argv: args,
    env,
    cwd,
    stdout: stdout.stream,
    stderr: stderr.stream
  })
  return { status, stdout: stdout.text(), stderr: stderr.text() }
}
