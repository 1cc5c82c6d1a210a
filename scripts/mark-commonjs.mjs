// Marks a folder of compiled CommonJS as such: the package itself is "type": "module", so Node
// would otherwise read the .js files in it as ES modules.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

for (const folder of process.argv.slice(2)) {
  mkdirSync(folder, { recursive: true })
  writeFileSync(join(folder, 'package.json'), '{ "type": "commonjs" }\n')
}
