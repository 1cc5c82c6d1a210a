/**
 * `npm run demo`: the whole chain on embedded defaults. Starts the simulated MOSIP (with its
 * WebSub hub and IDA), E-Signet and OpenCRVS, a small country configuration and the bridge on
 * SQLite; registers a few births and deaths in the simulated OpenCRVS and follows each through
 * MOSIP and back. `--once` stops after the report (used by the tests).
 */
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { SAMPLE_IDENTITIES, startSimulators } from '@mosip-bridge/simulators'
import {
  createLogger,
  createStore,
  formatProblems,
  loadConfig,
  OperatorQueries,
  startBridge
} from '@mosip-bridge/server'
import { freePort } from './bridge-process.js'
import { startExampleCountryConfig } from './country-config/index.js'

const once = process.argv.includes('--once')
const root = fileURLToPath(new URL('../../../', import.meta.url))
const dataDir = process.env.DEMO_DATA_DIR ?? join(root, 'data', 'demo')
mkdirSync(dataDir, { recursive: true })

const port = process.env.PORT ? Number(process.env.PORT) : await freePort()
const bridgeUrl = `http://127.0.0.1:${port}`
const say = (line = '') => process.stdout.write(`${line}\n`)

const suite = await startSimulators({ dir: join(dataDir, 'keys'), bridgeUrl, stepDelayMs: 150 })
const countryConfig = await startExampleCountryConfig({
  bridgeUrl,
  opencrvsPublicKeyUrl: suite.opencrvs.publicKeyUrl
})
suite.opencrvs.setCountryConfigUrl(countryConfig.url)
const loaded = loadConfig({
  ...suite.env,
  NODE_ENV: 'development',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  HOST: '127.0.0.1',
  PORT: String(port),
  SQLITE_DATABASE_PATH: join(dataDir, 'bridge.db'),
  JOB_POLL_INTERVAL_MS: '100'
})
if (!loaded.ok) {
  process.stderr.write(`${formatProblems(loaded.problems)}\n`)
  process.exit(2)
}
const bridge = await startBridge(loaded.config, createLogger({ level: loaded.config.logLevel }))

say(`simulated MOSIP     ${suite.mosip.url}`)
say(`simulated E-Signet  ${suite.esignet.url}`)
say(`simulated OpenCRVS  ${suite.opencrvs.url}`)
say(`country config      ${countryConfig.url}  (example built on @mosip-bridge/client)`)
say(`bridge              ${bridge.url}  (SQLite: ${join(dataDir, 'bridge.db')})`)
say()

async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 30_000
) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error('the demo timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

await until(() => suite.mosip.hub.subscriptions().some((s) => s.state === 'active'))
say('the bridge subscribed to the MOSIP hub; registering in OpenCRVS…')
say()

// The country configuration sends a birth to MOSIP when a parent's identity is verified, and a
// death when the informant's is; the others are registered without a national id. A death names
// the deceased's UIN, which MOSIP must hold: Joseph Banda is one of the sample identities, Grace
// Mumba is added as a person MOSIP registered long ago.
const GRACE_MUMBA_UIN = '4715392806'
suite.mosip.ida.addIdentity({
  uin: GRACE_MUMBA_UIN,
  name: { eng: 'Grace Mumba' },
  dob: '1948/07/19',
  gender: 'female'
})
const people = [
  { type: 'birth', first: 'Chanda', last: 'Bwalya', date: '2026-01-15', verified: true },
  { type: 'birth', first: 'Mutale', last: 'Phiri', date: '2026-03-02', verified: true },
  {
    type: 'death',
    first: 'Joseph',
    last: 'Banda',
    date: '2026-10-01',
    verified: true,
    uin: SAMPLE_IDENTITIES[1].uin
  },
  { type: 'birth', first: 'Thandiwe', last: 'Zulu', date: '2026-06-21', verified: true },
  {
    type: 'death',
    first: 'Grace',
    last: 'Mumba',
    date: '2026-09-14',
    verified: true,
    uin: GRACE_MUMBA_UIN
  },
  { type: 'birth', first: 'Kabwe', last: 'Mwale', date: '2026-05-09', verified: false }
] as const

const store = createStore(loaded.config.database, 1)
const operator = new OperatorQueries(store.db)
const results = await Promise.all(
  people.map(async (person) => {
    const event = suite.opencrvs.createEvent({
      type: person.type,
      declaration:
        person.type === 'birth'
          ? {
              'child.name': { firstname: person.first, surname: person.last },
              'child.dob': person.date,
              'mother.name': { firstname: 'Mary', surname: person.last },
              'mother.verified': person.verified ? 'verified' : 'pending',
              'informant.relation': 'MOTHER',
              'informant.email': 'mary@example.org'
            }
          : {
              'deceased.name': { firstname: person.first, surname: person.last },
              'deceased.idType': 'NATIONAL_ID',
              'deceased.nid': person.uin,
              'eventDetails.date': person.date,
              'informant.name': { firstname: 'Ruth', surname: person.last },
              'informant.relation': 'SON',
              'informant.verified': person.verified ? 'verified' : 'pending'
            }
    })
    const trigger = await suite.opencrvs.register(event.id)
    const accepted = await suite.opencrvs.waitForConfirmation(
      event.id,
      trigger.actionId,
      undefined,
      {
        timeoutMs: 60_000
      }
    )
    const row = person.verified
      ? await until(() =>
          operator
            .registrationsOfEvent(event.id)
            .then((rows) =>
              rows.find((r) => ['confirmed', 'rejected', 'needs_attention'].includes(r.state))
            )
        )
      : undefined
    return {
      person,
      eventId: event.id,
      registrationId: row?.id ?? 'not sent to MOSIP',
      bridgeState: row?.state ?? '—',
      opencrvs: `${accepted.status} ${accepted.registrationNumber ?? ''}`.trim(),
      nid: suite.opencrvs.declarationOf(event.id)['child.nid']
    }
  })
)

say(
  'kind   name               MOSIP registration id          national id   OpenCRVS            bridge'
)
for (const r of results) {
  say(
    [
      r.person.type.padEnd(6),
      `${r.person.first} ${r.person.last}`.padEnd(18),
      r.registrationId.padEnd(30),
      String(r.nid ?? '—').padEnd(13),
      r.opencrvs.padEnd(19),
      r.bridgeState
    ].join(' ')
  )
}
say()
say('births sent to MOSIP carry the national id it issued (child.nid); deaths name the')
say("deceased's (deceased.nid), which MOSIP flags as deceased;")
say('a birth whose parents were not verified is registered without going to MOSIP.')
await store.close()

// Identity checks a form makes through the bridge: MOSIP IDA and an E-Signet login.
say()
const userToken = await suite.opencrvs.issueUserToken()
const person = SAMPLE_IDENTITIES[0]
async function verify(dob: string): Promise<string> {
  const response = await fetch(`${bridge.url}/verify`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${userToken}`,
      accept: 'application/json'
    },
    body: JSON.stringify({
      nid: person.uin,
      dob,
      name: { firstname: person.given, middlename: person.middle, surname: person.family },
      gender: person.gender
    })
  })
  const body = (await response.json()) as {
    status?: string
    errors?: Array<{ errorCode?: string }>
  }
  const codes = (body.errors ?? []).map((error) => error.errorCode).join(', ')
  return `${body.status ?? response.status}${codes ? ` (${codes})` : ''}`
}
say(
  `verify ${person.name}, born ${person.dob.replaceAll('/', '-')}:  ${await verify(person.dob.replaceAll('/', '-'))}`
)
say(`verify ${person.name}, born 1991-04-12:  ${await verify('1991-04-12')}`)

const redirectUri = 'http://localhost:3000/mosip-esignet-callback'
const authorize = await fetch(
  suite.esignet.authorizeUrl({
    clientId: 'opencrvs-mosip-client',
    redirectUri,
    state: 'demo-state'
  }),
  { redirect: 'manual' }
)
const callback = new URL(authorize.headers.get('location') ?? redirectUri)
const login = await fetch(
  `${bridge.url}/esignet/get-oidp-user-info?code=${callback.searchParams.get('code')}&state=${callback.searchParams.get('state')}`,
  {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${userToken}` },
    body: JSON.stringify({ clientId: 'opencrvs-mosip-client', redirectUri })
  }
)
const user = (await login.json()) as {
  name?: { firstname?: string; middlename?: string; surname?: string }
  birthDate?: string
  nid?: string
}
say(
  `E-Signet login: ${login.status} ${[user.name?.firstname, user.name?.middlename, user.name?.surname].filter(Boolean).join(' ')}, born ${user.birthDate ?? '?'}, national id ${user.nid ?? '?'}`
)

async function shutdown() {
  await bridge.stop()
  await countryConfig.close()
  await suite.close()
}

if (once) {
  await shutdown()
  process.exit(0)
}
say(`everything keeps running: try  curl ${bridge.url}/documentation  or  npx mosip-bridge status`)
say('(with SQLITE_DATABASE_PATH pointing at the demo database). Ctrl+C stops.')
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void shutdown().then(() => process.exit(0)))
}
