#!/usr/bin/env node
// Runs the compiled bridge (`npm run build`, which `npm ci` runs, writes dist/).
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
