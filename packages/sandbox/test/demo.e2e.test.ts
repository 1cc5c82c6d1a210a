import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

describe('npm run demo', () => {
  it('pushes births and deaths through the whole chain and reports each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-demo-'))
    try {
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('../src/demo.ts', import.meta.url)), '--once'],
        {
          env: { PATH: process.env.PATH ?? '', HOME: dir, DEMO_DATA_DIR: dir },
          encoding: 'utf8',
          timeout: 120_000
        }
      )
      assert.equal(result.status, 0, result.stderr)
      const rows = result.stdout.split('\n').filter((line) => /^(birth|death) /.test(line))
      assert.equal(rows.length, 6)
      // Sent under MOSIP's registration ids: centre 10001, machine 10004, sequence, UTC time.
      const sent = rows.filter((row) => /\s1000110004\d{5}20\d{12}\s/.test(row))
      assert.equal(sent.length, 5)
      assert.ok(sent.every((row) => row.endsWith('confirmed')))
      const births = sent.filter((row) => row.startsWith('birth'))
      assert.equal(births.length, 3)
      assert.ok(
        births.every((row) => /\s\d{10}\s+Accepted/.test(row)),
        'each birth got a national id'
      )
      assert.ok(
        sent.filter((row) => row.startsWith('death')).every((row) => / — +Accepted/.test(row))
      )
      const notSent = rows.filter((row) => row.includes('not sent to MOSIP'))
      assert.equal(notSent.length, 1)
      assert.match(notSent[0]!, /Accepted/)
      assert.match(result.stdout, /^verify .*born 1990-04-12: +verified$/m)
      assert.match(result.stdout, /^verify .*born 1991-04-12: +failed \(IDA-DEA-001\)$/m)
      assert.match(
        result.stdout,
        /^E-Signet login: 200 Chanda Mwila Bwalya, born 1990-04-12, national id 5836471920$/m
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
