/**
 * `/verify` throughput: requests per second through the bridge's HTTP app (OpenCRVS JWT check,
 * request building, AES-GCM + RSA-OAEP encryption, RS256 signature, the IDA call), with the
 * signing keystore and IDA certificate parsed once at start-up.
 *
 *   1. against the simulated IDA (it decrypts and verifies every request, and runs on the
 *      bridge's thread: it shares that CPU with the bridge);
 *   2. against an IDA stub that answers at once, for the bridge's own cost;
 *   3. building one signed request with the keys parsed once, and re-reading and re-parsing the
 *      keystore and certificate on every call as mosip-api does.
 *
 *   node --import tsx packages/sandbox/bench/verify.bench.ts [--requests N --concurrency C]
 */
import { createServer } from 'node:http'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { Worker } from 'node:worker_threads'
import pino from 'pino'
import { SAMPLE_IDENTITIES, startSimulators } from '@mosip-bridge/simulators'
import { formatProblems, loadConfig, type BridgeConfig } from '../../server/src/config/index.js'
import { buildApp } from '../../server/src/http/build-app.js'
import { registerVerifyRoutes } from '../../server/src/http/routes/verify.route.js'
import {
  createIdaVerifier,
  IdaAuthClient,
  loadIdaMaterial
} from '../../server/src/integrations/ida/index.js'
import { OpencrvsJwtVerifier } from '../../server/src/integrations/opencrvs/jwt-verifier.js'
import { OpencrvsPublicKey } from '../../server/src/integrations/opencrvs/public-key.js'
import { createStore } from '../../server/src/store/database.js'

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  return index > 0 ? Number(process.argv[index + 1]) : fallback
}
const REQUESTS = argument('requests', 2000)
const CONCURRENCY = argument('concurrency', 16)
const WARMUP = 50
const BUILD_ITERATIONS = argument('builds', 2000)
const PARSE_ITERATIONS = argument('parses', 50)

const logger = pino({ level: 'silent' })
const person = SAMPLE_IDENTITIES[0]
const body = JSON.stringify({
  nid: person.uin,
  dob: person.dob.replace(/\//g, '-'),
  name: { firstname: person.given, middlename: person.middle, surname: person.family },
  gender: person.gender
})

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

async function startVerifyApp(config: BridgeConfig) {
  const store = createStore({ kind: 'sqlite', sqlitePath: ':memory:' })
  const verifier = new OpencrvsJwtVerifier({
    publicKey: new OpencrvsPublicKey({ url: config.opencrvs.publicKeyUrl }),
    audiences: config.pipeline.jwtAudiences
  })
  const ida = createIdaVerifier(config, logger)
  if (!ida.status.available) throw new Error(ida.status.reason)
  const app = buildApp({
    logger,
    store,
    routes: [
      (instance) =>
        registerVerifyRoutes(instance, { verifier, ida, requiredScope: config.ida.verifyScope })
    ]
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    url,
    close: async () => {
      await app.close()
      await store.close()
    }
  }
}

/**
 * The load generator runs in a worker thread, so that the client's own HTTP work does not
 * share the bridge's event loop: it posts REQUESTS verifications with CONCURRENCY in flight,
 * after a warm-up, and checks every answer is `verified`.
 */
const LOAD_GENERATOR = `
const { parentPort, workerData } = require('node:worker_threads')
const { url, token, body, requests, concurrency, warmup } = workerData
async function post() {
  const response = await fetch(url + '/verify', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
    body
  })
  const text = await response.text()
  if (response.status !== 200 || text !== 'verified')
    throw new Error('unexpected answer ' + response.status + ' ' + text)
}
async function main() {
  for (let i = 0; i < warmup; i++) await post()
  parentPort.postMessage({ warmedUp: true })
  const latencies = []
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      next++
      const t0 = performance.now()
      await post()
      latencies.push(performance.now() - t0)
    }
  }))
  parentPort.postMessage({ seconds: (performance.now() - started) / 1000, latencies })
}
main().catch((error) => parentPort.postMessage({ error: String(error) }))
`

async function load(url: string, token: string) {
  // The worker posts its first message only after its warm-up; the main thread's busy time is
  // taken from there to the end (the bridge, and the IDA stub or simulator beside it).
  const worker = new Worker(LOAD_GENERATOR, {
    eval: true,
    workerData: { url, token, body, requests: REQUESTS, concurrency: CONCURRENCY, warmup: WARMUP }
  })
  const [started] = (await once(worker, 'message')) as [unknown]
  void started
  const busyBefore = performance.eventLoopUtilization()
  const [result] = (await once(worker, 'message')) as [
    { seconds: number; latencies: number[] } | { error: string }
  ]
  const busy = performance.eventLoopUtilization(busyBefore)
  await worker.terminate()
  if ('error' in result) throw new Error(result.error)
  const latencies = [...result.latencies].sort((a, b) => a - b)
  return {
    rps: Math.round(REQUESTS / result.seconds),
    'main thread ms/request': (busy.active / REQUESTS).toFixed(2),
    p50: percentile(latencies, 50).toFixed(1),
    p95: percentile(latencies, 95).toFixed(1),
    p99: percentile(latencies, 99).toFixed(1)
  }
}

/** An IDA that answers every request at once with a success (no crypto at all). */
async function startInstantIda() {
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          transactionID: '1234567890',
          version: '1.0',
          id: 'mosip.identity.auth',
          responseTime: new Date().toISOString(),
          response: { authStatus: true, authToken: 'token' },
          errors: null
        })
      )
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/idauthentication/v1/auth`,
    close: async () => {
      server.close()
      await once(server, 'close')
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'verify-bench-'))
const suite = await startSimulators({ dir })
const instantIda = await startInstantIda()
try {
  const configFor = (overrides: Record<string, string>) => {
    const result = loadConfig({ ...suite.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides })
    if (!result.ok) throw new Error(formatProblems(result.problems))
    return result.config
  }
  const token = await suite.opencrvs.issueUserToken()

  const simulated = await startVerifyApp(configFor({}))
  const withSimulator = await load(simulated.url, token)
  await simulated.close()

  const instant = await startVerifyApp(configFor({ IDA_AUTH_URL: instantIda.url }))
  const bridgeOnly = await load(instant.url, token)
  await instant.close()

  // Building one signed, encrypted request.
  const config = configFor({})
  const files = {
    encryptCertPath: config.ida.encryptCertPath,
    signP12Path: config.ida.signP12Path,
    signP12Password: config.ida.signP12Password
  }
  const clientWith = (material: ReturnType<typeof loadIdaMaterial>) =>
    new IdaAuthClient({
      authUrl: config.ida.authUrl,
      partner: config.ida.partner,
      domainUri: config.ida.authDomainUri,
      env: config.ida.env,
      language: config.ida.language,
      individualIdType: config.ida.individualIdType,
      timeoutMs: 1000,
      material,
      logger
    })
  const toVerify = {
    nid: person.uin,
    dob: person.dob,
    name: `${person.given} ${person.middle} ${person.family}`,
    gender: person.gender
  }
  const cached = clientWith(loadIdaMaterial(files))
  let t0 = performance.now()
  for (let i = 0; i < BUILD_ITERATIONS; i++) await cached.buildRequest(toVerify)
  const cachedMs = (performance.now() - t0) / BUILD_ITERATIONS
  t0 = performance.now()
  for (let i = 0; i < PARSE_ITERATIONS; i++)
    await clientWith(loadIdaMaterial(files)).buildRequest(toVerify)
  const reparsedMs = (performance.now() - t0) / PARSE_ITERATIONS

  console.log(`/verify, ${REQUESTS} requests, ${CONCURRENCY} in flight (after ${WARMUP} warm-up)`)
  const row = (figures: Awaited<ReturnType<typeof load>>) => ({
    'requests/s': figures.rps,
    'main thread ms/request': figures['main thread ms/request'],
    'p50 ms': figures.p50,
    'p95 ms': figures.p95,
    'p99 ms': figures.p99
  })
  console.table({
    'bridge + simulated IDA (one process)': row(withSimulator),
    'bridge + instant IDA stub': row(bridgeOnly)
  })
  console.log(
    "main thread: the bridge's event loop (with the simulated IDA, or the stub, beside it); " +
      'the load generator runs in a worker thread'
  )
  console.log('building one encrypted, signed IDA request')
  console.table({
    'keystore parsed once (this bridge)': {
      'ms/request': cachedMs.toFixed(3),
      'requests/s (one core)': Math.round(1000 / cachedMs)
    },
    'keystore + certificate re-read per call (mosip-api)': {
      'ms/request': reparsedMs.toFixed(3),
      'requests/s (one core)': Math.round(1000 / reparsedMs)
    }
  })
} finally {
  await instantIda.close()
  await suite.close()
  rmSync(dir, { recursive: true, force: true })
}
