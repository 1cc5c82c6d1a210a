/**
 * Reading and validating the environment. `loadConfig` is pure; `readEnvironment` reads a `.env`
 * file; `loadConfigFromProcess` is the one place in the server that touches `process.env`.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import type { z } from 'zod'
import { errorCode } from '../core/error-code.js'
import { environmentSchema } from './assemble-config.js'
import type { BridgeConfig } from './config-types.js'
import { isSecretVariable, variableNames } from './variables.js'

export type Environment = Record<string, string | undefined>

export interface ConfigProblem {
  /** The environment variable at fault. */
  variable: string
  /** What is wrong and what is expected; never contains a secret's value. */
  message: string
}

type LoadConfigResult =
  { ok: true; config: BridgeConfig } | { ok: false; problems: ConfigProblem[] }

/** Validates the whole environment and reports every problem at once. */
export function loadConfig(env: Environment): LoadConfigResult {
  const result = environmentSchema.safeParse(env)
  if (result.success) return { ok: true, config: result.data }
  return { ok: false, problems: toProblems(result.error.issues, env) }
}

interface ReadEnvironmentOptions {
  /** Directory the default `.env` file is looked up in, and relative `envFile` paths resolve against. */
  cwd: string
  /** The real environment; it wins over the file. */
  processEnv: Environment
  /** Defaults to `<cwd>/.env`. A missing file is fine. */
  envFile?: string
}

/**
 * The real environment laid over the variables of a `.env` file, as `dotenv` would do it (a
 * variable present in the real environment wins, even when empty) but without touching
 * `process.env`.
 */
export function readEnvironment(options: ReadEnvironmentOptions): Environment {
  const file = resolve(options.cwd, options.envFile ?? '.env')
  const fromFile = readOptionalFile(file)
  const env: Environment = fromFile === undefined ? {} : { ...parseDotenv(fromFile) }
  for (const [name, value] of Object.entries(options.processEnv)) {
    if (value !== undefined) env[name] = value
  }
  return env
}

/** `readEnvironment` + `loadConfig` over this process's environment and working directory. */
export function loadConfigFromProcess(
  options: { cwd?: string; envFile?: string } = {}
): LoadConfigResult {
  const cwd = options.cwd ?? process.cwd()
  const env = readEnvironment({
    cwd,
    processEnv: process.env,
    ...(options.envFile === undefined ? {} : { envFile: options.envFile })
  })
  return loadConfig(env)
}

/** `Invalid configuration (N problems):` followed by one `  - VAR: message` line per problem. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  const count = `${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`
  return [
    `Invalid configuration (${count}):`,
    ...problems.map((problem) => `  - ${problem.variable}: ${problem.message}`)
  ].join('\n')
}

function readOptionalFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined
    throw new Error(`cannot read environment file ${path}`, { cause: error })
  }
}

const MASK = '********'
/** Shorter secrets would make masking mangle ordinary words; messages never quote secrets anyway. */
const MIN_SCRUBBED_LENGTH = 4

function toProblems(issues: readonly z.core.$ZodIssue[], env: Environment): ConfigProblem[] {
  // Defence in depth: whatever a message says, no secret value survives in it.
  const secrets = Object.entries(env)
    .filter(([name, value]) => isSecretVariable(name) && value !== undefined)
    .flatMap(([, value]) => secretFragments(value as string))
    .sort((a, b) => b.length - a.length)
  const scrub = (message: string) =>
    secrets.reduce((text, secret) => text.split(secret).join(MASK), message)

  const order = (variable: string) => {
    const index = (variableNames as readonly string[]).indexOf(variable)
    return index === -1 ? variableNames.length : index
  }
  const seen = new Set<string>()
  return issues
    .map((issue) => ({
      variable: issue.path.length > 0 ? String(issue.path[0]) : '(environment)',
      message: scrub(issue.message)
    }))
    .filter((problem) => {
      const key = `${problem.variable}\n${problem.message}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => order(a.problem.variable) - order(b.problem.variable) || a.index - b.index)
    .map(({ problem }) => problem)
}

/** The value, trimmed, each element of a list (previous keys) and a URL's password. */
function secretFragments(value: string): string[] {
  const fragments = [value, value.trim(), ...value.split(',').map((part) => part.trim())]
  if (URL.canParse(value.trim())) {
    const { password } = new URL(value.trim())
    fragments.push(password, safeDecode(password))
  }
  return [...new Set(fragments)].filter((fragment) => fragment.length >= MIN_SCRUBBED_LENGTH)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
