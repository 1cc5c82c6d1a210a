#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader (no separate compile step to forget).
import { register } from 'tsx/esm/api'

register()
const { runCli } = await import('../src/cli/main.ts')

// A closed pipe (`mosip-bridge jobs list | head`) is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr
})
process.exit(code)
