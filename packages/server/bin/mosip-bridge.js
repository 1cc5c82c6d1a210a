#!/usr/bin/env node
// Runs the compiled bridge (`npm run build`, which `npm ci` runs, writes dist/).
import module from 'node:module'

// Node 22 keeps the compiled code of the bridge's modules on disk (NODE_COMPILE_CACHE, or a
// folder under the system's temporary directory), so later runs of a command start faster.
module.enableCompileCache?.()

const { runCli } = await import('../dist/cli/main.js')

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
