import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CachedValue, renewalTime, type Fetched } from '../src/integrations/cached-value.js'

/** A fetcher whose answers the test releases one by one. */
function scripted<T>() {
  const waiting: Array<(fetched: Fetched<T, string>) => void> = []
  const signals: Array<AbortSignal | undefined> = []
  return {
    fetch: (signal?: AbortSignal) => {
      signals.push(signal)
      return new Promise<Fetched<T, string>>((resolve) => waiting.push(resolve))
    },
    answer(fetched: Fetched<T, string>) {
      const next = waiting.shift()
      assert.ok(next, 'no fetch is waiting')
      next(fetched)
    },
    get calls() {
      return signals.length
    },
    signals
  }
}

describe('CachedValue', () => {
  it('shares one fetch between concurrent callers and keeps its value until renewAt', async () => {
    let now = 1_000
    const fetcher = scripted<string>()
    const cache = new CachedValue({ fetch: fetcher.fetch, clock: () => now })
    const callers = Array.from({ length: 20 }, () => cache.get())
    assert.equal(fetcher.calls, 1)
    fetcher.answer({ ok: true, value: 'v1', renewAt: 2_000 })
    for (const result of await Promise.all(callers)) {
      assert.deepEqual(result, { ok: true, value: 'v1', renewAt: 2_000 })
    }
    now = 1_999
    assert.deepEqual(await cache.get(), { ok: true, value: 'v1' })
    assert.equal(fetcher.calls, 1)
    now = 2_000
    assert.equal(cache.fresh(), undefined)
    const renewed = cache.get()
    fetcher.answer({ ok: true, value: 'v2' })
    assert.deepEqual(await renewed, { ok: true, value: 'v2' })
    now = Number.MAX_SAFE_INTEGER
    assert.equal(cache.fresh(), 'v2', 'without renewAt a value is kept until invalidated')
  })

  it('never keeps a failure, and keeps the value held from an earlier fetch', async () => {
    const fetcher = scripted<string>()
    const cache = new CachedValue({ fetch: fetcher.fetch })
    const first = cache.load()
    fetcher.answer({ ok: false, failure: 'down' })
    assert.deepEqual(await first, { ok: false, failure: 'down' })
    assert.equal(cache.peek(), undefined)
    const second = cache.get()
    assert.equal(fetcher.calls, 2)
    fetcher.answer({ ok: true, value: 'v1' })
    await second
    const forced = cache.load()
    fetcher.answer({ ok: false, failure: 'down again' })
    assert.deepEqual(await forced, { ok: false, failure: 'down again' })
    assert.equal(cache.peek(), 'v1')
  })

  it('does not keep anything when the fetch throws, and fetches again on the next call', async () => {
    let calls = 0
    const cache = new CachedValue<string, never>({
      fetch: async () => {
        calls += 1
        if (calls === 1) throw new Error('bug')
        return { ok: true, value: 'v' }
      }
    })
    await assert.rejects(cache.get(), /bug/)
    assert.equal(cache.inFlight, undefined)
    assert.deepEqual(await cache.get(), { ok: true, value: 'v' })
  })

  it('forgets a value only when it is the one named', async () => {
    let n = 0
    const cache = new CachedValue<string, never>({
      fetch: async () => ({ ok: true, value: `v${++n}` })
    })
    await cache.get()
    cache.invalidate('v0')
    assert.equal(cache.peek(), 'v1')
    cache.invalidate('v1')
    assert.equal(cache.peek(), undefined)
    await cache.get()
    cache.invalidate()
    assert.equal(cache.peek(), undefined)
    assert.equal(n, 2)
  })

  it('hands the signal of the caller that starts a fetch to the fetcher', async () => {
    const fetcher = scripted<string>()
    const cache = new CachedValue({ fetch: fetcher.fetch })
    const signal = AbortSignal.timeout(10_000)
    const pending = cache.get(signal)
    assert.equal(cache.inFlight !== undefined, true)
    const joined = cache.load()
    fetcher.answer({ ok: true, value: 'v' })
    await Promise.all([pending, joined])
    assert.deepEqual(fetcher.signals, [signal])
  })
})

describe('renewalTime', () => {
  it('renews a margin before expiry, or halfway through a short lifetime', () => {
    assert.equal(renewalTime(0, 300_000, 60_000), 240_000)
    assert.equal(renewalTime(0, 100_000, 60_000), 50_000)
    assert.equal(renewalTime(0, 40_000, 60_000), 20_000)
    assert.equal(renewalTime(0, 60_000, 0), 60_000)
  })

  it('renews at once a value that arrived expired', () => {
    assert.equal(renewalTime(5_000, 4_000, 60_000), 5_000)
    assert.equal(renewalTime(5_000, 5_000, 60_000), 5_000)
  })
})
