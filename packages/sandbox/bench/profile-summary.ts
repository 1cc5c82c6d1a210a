/**
 * Summarises V8 .cpuprofile files (node --cpu-prof): self time by module and by function, the
 * largest first. Use it on the bridge's profile from a bench run:
 *   BENCH_BRIDGE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench
 *   node --import tsx packages/sandbox/bench/profile-summary.ts /tmp/prof/*.cpuprofile [--top N]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const topIndex = process.argv.indexOf('--top')
const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 25
const files = process.argv
  .slice(2)
  .filter((arg, i, all) => arg !== '--top' && all[i - 1] !== '--top')

/** Where a script belongs: its npm package, one of ours (by workspace folder), or node itself. */
function moduleOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)'
  if (url.startsWith('node:')) return url
  const packages = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)]
  if (packages.length > 0) return packages[packages.length - 1]![1]!
  const ours = /packages\/([^/]+)\/(?:src|dist)\/(.+)$/.exec(url)
  if (ours) return `${ours[1]}/${ours[2]}`
  return url
}

const byModule = new Map<string, number>()
const byFunction = new Map<string, number>()
let total = 0
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0
    const node = nodes.get(id)
    if (!node) return
    const { functionName, url, lineNumber } = node.callFrame
    const module = moduleOf(url, functionName)
    if (module === '(idle)') return
    total += micros
    byModule.set(module, (byModule.get(module) ?? 0) + micros)
    const key = `${functionName || '(anonymous)'}  ${module}:${lineNumber + 1}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros)
  })
}

function print(title: string, table: Map<string, number>): void {
  process.stdout.write(`\n${title}\n`)
  for (const [key, micros] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = ((100 * micros) / total).toFixed(1).padStart(5)
    process.stdout.write(`${(micros / 1000).toFixed(0).padStart(8)} ms ${share}%  ${key}\n`)
  }
}

process.stdout.write(`busy (not idle) ${(total / 1000).toFixed(0)} ms\n`)
print('self time by module', byModule)
print('self time by function', byFunction)
