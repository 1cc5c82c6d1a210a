import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely'
import type { Database } from './schema.js'

/** A named placeholder in a query built once (see `HotQueries`). */
class Placeholder {
  constructor(readonly name: string) {}
}

/** Gives the builder a placeholder where the value named `name` goes. */
export type PlaceholderOf = <T = never>(name: string) => T

interface Prepared {
  sql: string
  /** For each parameter of the compiled query: the name of its value, or a constant. */
  slots: Array<{ name: string } | { constant: unknown }>
}

/**
 * Compiled queries of the hot path, built once per shape and then run with new values.
 *
 * Building and compiling a Kysely query costs tens of microseconds, more than SQLite takes to
 * run most of the bridge's statements; the hot path runs a few dozen statements of a handful of
 * shapes per registration. A shape is built once with placeholders where its values go, and the
 * compiled SQL is kept under the caller's key; later runs only put the values in place. The
 * caller's key must name everything that changes the SQL (which columns are set, how many
 * items a list has), never the values themselves. The cache is bounded; a shape dropped from it
 * is simply built again.
 *
 * Written by hand because Kysely has no prepared-query API.
 */
export class HotQueries {
  private readonly cache = new Map<string, Prepared>()

  constructor(private readonly limit = 256) {}

  /**
   * Runs the query `build` makes for `key` with `values`. `build` receives a function giving a
   * placeholder for each named value; everything else it puts in the query is kept as is.
   */
  async run<R>(
    executor: Kysely<Database>,
    key: string,
    values: Readonly<Record<string, unknown>>,
    build: (value: PlaceholderOf) => Compilable<R>
  ): Promise<QueryResult<R>> {
    const prepared = this.cache.get(key) ?? this.prepare(key, build)
    const parameters = prepared.slots.map((slot) => {
      if ('constant' in slot) return slot.constant
      if (!Object.hasOwn(values, slot.name)) {
        throw new Error(`hot query ${key}: no value for ${slot.name}`)
      }
      return values[slot.name]
    })
    return executor.executeQuery(CompiledQuery.raw(prepared.sql, parameters) as CompiledQuery<R>)
  }

  /** Rows of `run`. */
  async rows<R>(
    executor: Kysely<Database>,
    key: string,
    values: Readonly<Record<string, unknown>>,
    build: (value: PlaceholderOf) => Compilable<R>
  ): Promise<R[]> {
    return (await this.run(executor, key, values, build)).rows
  }

  /** The first row of `run`, if any. */
  async first<R>(
    executor: Kysely<Database>,
    key: string,
    values: Readonly<Record<string, unknown>>,
    build: (value: PlaceholderOf) => Compilable<R>
  ): Promise<R | undefined> {
    return (await this.run(executor, key, values, build)).rows[0]
  }

  /** Rows changed by `run` (an update or delete without RETURNING). */
  async changed(
    executor: Kysely<Database>,
    key: string,
    values: Readonly<Record<string, unknown>>,
    build: (value: PlaceholderOf) => Compilable<unknown>
  ): Promise<number> {
    return Number((await this.run(executor, key, values, build)).numAffectedRows ?? 0)
  }

  private prepare<R>(key: string, build: (value: PlaceholderOf) => Compilable<R>): Prepared {
    const requested = new Set<string>()
    const placeholder = <T>(name: string): T => {
      requested.add(name)
      return new Placeholder(name) as T
    }
    const compiled = build(placeholder).compile()
    const prepared: Prepared = {
      sql: compiled.sql,
      slots: compiled.parameters.map((parameter) =>
        parameter instanceof Placeholder ? { name: parameter.name } : { constant: parameter }
      )
    }
    // A value Kysely wrote into the SQL text instead of passing it as a parameter would be
    // fixed forever: refuse such a shape.
    for (const name of requested) {
      if (!prepared.slots.some((slot) => 'name' in slot && slot.name === name)) {
        throw new Error(`hot query ${key}: ${name} is not a parameter of the compiled SQL`)
      }
    }
    this.cache.set(key, prepared)
    if (this.cache.size > this.limit) this.cache.delete(this.cache.keys().next().value as string)
    return prepared
  }
}
