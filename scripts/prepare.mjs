// `npm ci` / `npm install` at the root end with every package built (dist/), so the bins and the
// packages' exports work at once. A production install (`--omit=dev`) has no TypeScript: it
// expects dist/ to be there already (copied from a build stage) and builds nothing.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (!existsSync(new URL('../node_modules/typescript/package.json', import.meta.url))) {
  console.log('prepare: TypeScript is not installed (production install): not building')
  process.exit(0)
}
const result = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' })
process.exit(result.status ?? 1)
