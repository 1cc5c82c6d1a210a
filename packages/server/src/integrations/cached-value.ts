/**
 * A value fetched from a partner system once and shared: tokens, public keys, key sets.
 *
 * - Single flight: while a fetch runs, every caller waits for that same fetch.
 * - A fetched value is kept until its `renewAt` (clock milliseconds; none: until invalidated).
 * - A failure is handed to the callers of that fetch and never kept: the next call fetches
 *   again, and a value held from an earlier fetch stays held.
 * - `invalidate(value)` forgets the held value only if it is still that value, so that many
 *   holders of one refused token cause one new fetch, not one each.
 */

import { ok, type Outcome } from '../core/outcome.js'

/** What one fetch produced: a value to keep (until `renewAt` when given) or a failure. */
export type Fetched<T, F> = { ok: true; value: T; renewAt?: number } | { ok: false; failure: F }

/** A fetch result as the `Outcome` that callers of the partner clients expect. */
export function asOutcome<T>(fetched: Fetched<T, Outcome<never>>): Outcome<T> {
  return fetched.ok ? ok(fetched.value) : fetched.failure
}

interface CachedValueOptions<T, F> {
  /** Fetches a new value; `signal` is the one given by the caller that started this fetch. */
  fetch: (signal?: AbortSignal) => Promise<Fetched<T, F>>
  clock?: () => number
}

/**
 * When a value that expires at `expiresAt` and was fetched at `fetchedAt` is fetched again:
 * `marginMs` before it expires, or halfway through a lifetime shorter than twice the margin (so
 * that a short-lived token is still reused for half its life). A value already expired when it
 * arrived is renewed at once, after serving the callers of the fetch that brought it.
 */
export function renewalTime(fetchedAt: number, expiresAt: number, marginMs: number): number {
  const lifetime = expiresAt - fetchedAt
  if (lifetime <= 0) return fetchedAt
  return fetchedAt + lifetime - Math.min(marginMs, lifetime / 2)
}

export class CachedValue<T, F> {
  readonly #fetch: (signal?: AbortSignal) => Promise<Fetched<T, F>>
  readonly #clock: () => number
  #held: { value: T; renewAt: number } | undefined
  #inFlight: Promise<Fetched<T, F>> | undefined

  constructor(options: CachedValueOptions<T, F>) {
    this.#fetch = options.fetch
    this.#clock = options.clock ?? Date.now
  }

  /** The held value, due for renewal or not, without fetching. */
  peek(): T | undefined {
    return this.#held?.value
  }

  /** The held value while it is not due for renewal. */
  fresh(): T | undefined {
    const held = this.#held
    return held !== undefined && this.#clock() < held.renewAt ? held.value : undefined
  }

  /** The fetch running now, if any. */
  get inFlight(): Promise<Fetched<T, F>> | undefined {
    return this.#inFlight
  }

  /** The fresh held value, otherwise the result of one shared fetch. */
  get(signal?: AbortSignal): Promise<Fetched<T, F>> {
    const fresh = this.fresh()
    return fresh !== undefined ? Promise.resolve({ ok: true, value: fresh }) : this.load(signal)
  }

  /** Fetches now, whatever is held; joins the fetch already running, if any. */
  load(signal?: AbortSignal): Promise<Fetched<T, F>> {
    this.#inFlight ??= this.#run(signal).finally(() => {
      this.#inFlight = undefined
    })
    return this.#inFlight
  }

  /** Forgets the held value; given a value, only when the held one is that value. */
  invalidate(...expected: [T] | []): void {
    if (expected.length === 0 || this.#held?.value === expected[0]) this.#held = undefined
  }

  async #run(signal?: AbortSignal): Promise<Fetched<T, F>> {
    const fetched = await this.#fetch(signal)
    if (fetched.ok) {
      this.#held = { value: fetched.value, renewAt: fetched.renewAt ?? Number.POSITIVE_INFINITY }
    }
    return fetched
  }
}
