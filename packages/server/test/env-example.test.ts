/**
 * Every variable is documented once, in the table (`config/variables.ts`), and `.env.example` at
 * the repository root is rendered from it (`mosip-bridge config example`).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parse } from 'dotenv'
import { envExample, loadConfig } from '../src/config/index.js'
import {
  VARIABLE_GROUPS,
  variableInfoOf,
  variableNames,
  variables
} from '../src/config/variables.js'
import type { VariableInfo } from '../src/config/variables.js'

const COMMITTED = new URL('../../../.env.example', import.meta.url)

function info(name: string): VariableInfo {
  const found = variableInfoOf(name)
  assert.ok(found, `${name} has no registered facts`)
  return found
}

/** `NAME=value` lines, commented out or not, keyed by name. */
function assignments(text: string): Map<string, { active: boolean; value: string }[]> {
  const found = new Map<string, { active: boolean; value: string }[]>()
  for (const line of text.split('\n')) {
    const match = /^(# )?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)
    if (!match) continue
    const list = found.get(match[2]!) ?? []
    list.push({ active: match[1] === undefined, value: match[3]! })
    found.set(match[2]!, list)
  }
  return found
}

describe('the table of variables', () => {
  it('describes every variable in a sentence or two and puts it in a known group', () => {
    for (const name of variableNames) {
      const { description, group } = info(name)
      assert.ok(description.trim().length >= 10, `${name}: description too short`)
      assert.match(description, /^[^\n]+[.)]$/, `${name}: one line, ending a sentence`)
      assert.ok(description.split(/[.;] /).length <= 4, `${name}: description too long`)
      assert.ok(Object.keys(VARIABLE_GROUPS).includes(group), `${name}: unknown group ${group}`)
    }
  })

  it('says what applies when an optional variable without a fixed default is unset', () => {
    for (const name of variableNames) {
      const facts = info(name)
      const optional = variables.shape[name].safeParse(undefined).success
      if (!optional || facts.deprecated || facts.default !== undefined) continue
      if (facts.devDefault !== undefined && facts.requiredUnless !== undefined) continue
      assert.ok(facts.whenUnset, `${name}: say what applies when it is unset`)
    }
  })

  it('has no empty group, and the deprecated variables alone in theirs', () => {
    for (const group of Object.keys(VARIABLE_GROUPS)) {
      assert.ok(
        variableNames.some((name) => info(name).group === group),
        `group ${group} has no variable`
      )
    }
    for (const name of variableNames) {
      const facts = info(name)
      assert.equal(facts.deprecated === true, facts.group === 'Compatibility (ignored)', name)
    }
  })
})

describe('.env.example', () => {
  const text = envExample()
  const lines = assignments(text)

  it('is committed at the repository root as rendered from the table', () => {
    assert.equal(
      readFileSync(COMMITTED, 'utf8'),
      text,
      '.env.example is out of date: run `npm run env:example` (mosip-bridge config example > .env.example)'
    )
  })

  it('lists every variable exactly once, and nothing else', () => {
    for (const name of variableNames) {
      assert.equal(
        lines.get(name)?.length,
        1,
        `${name} appears ${lines.get(name)?.length ?? 0} times`
      )
    }
    assert.deepEqual([...lines.keys()].sort(), [...variableNames].sort())
  })

  it('shows each default as a commented-out assignment', () => {
    for (const name of variableNames) {
      const facts = info(name)
      if (facts.default === undefined) continue
      assert.deepEqual(lines.get(name), [{ active: false, value: facts.default }], name)
      assert.match(text, new RegExp(`^# default: ${facts.default.replace(/\./g, '\\.')}`, 'm'))
    }
  })

  it('leaves active and blank exactly the variables production needs', () => {
    const active = variableNames.filter((name) => lines.get(name)?.[0]?.active).sort()
    for (const name of active) assert.equal(lines.get(name)?.[0]?.value, '', name)
    const result = loadConfig({ NODE_ENV: 'production' })
    assert.equal(result.ok, false)
    const missing = result.ok ? [] : [...new Set(result.problems.map((p) => p.variable))].sort()
    assert.deepEqual(active, missing)
  })

  it('changes nothing when copied to .env as it is', () => {
    const parsed = parse(text)
    for (const env of [{}, { NODE_ENV: 'test' }]) {
      const fromFile = loadConfig({ ...parsed, ...env })
      const without = loadConfig(env)
      assert.ok(fromFile.ok && without.ok)
      assert.deepEqual(fromFile.config, without.config)
    }
  })

  it('marks secrets and never shows their development defaults', () => {
    const blocks = text.split('\n\n')
    for (const name of variableNames) {
      const facts = info(name)
      const block = blocks.find((b) => new RegExp(`^(# )?${name}=`, 'm').test(b)) ?? ''
      assert.equal(/^# secret;/m.test(block), facts.secret === true, `${name}: secret marking`)
      if (facts.secret && facts.devDefault !== undefined) {
        assert.ok(!text.includes(facts.devDefault), `${name}'s development default is shown`)
      }
    }
    assert.match(text, /development default: <secret>/)
  })

  it('explains itself and lists the groups in order, the deprecated ones commented out', () => {
    assert.match(text, /^# .*Copy it to \.env/m)
    assert.match(text, /NODE_ENV=production/)
    const headings = Object.keys(VARIABLE_GROUPS).map((group) => text.indexOf(`\n# ${group}\n`))
    assert.ok(headings.every((at) => at > 0))
    assert.deepEqual(
      headings,
      [...headings].sort((a, b) => a - b)
    )
    for (const name of variableNames.filter((n) => info(n).deprecated)) {
      assert.deepEqual(lines.get(name), [{ active: false, value: '' }], name)
    }
    for (const line of text.split('\n')) assert.ok(line.length <= 100 || !line.includes(' '), line)
  })
})
