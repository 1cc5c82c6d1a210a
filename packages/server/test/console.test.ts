import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import pino from 'pino'
import { LogSink } from '@mosip-bridge/test-support'
import { hashPassword, parsePasswordHash, verifyPassword } from '../src/core/admin-password.js'
import { runCli } from '../src/cli/main.js'
import { loadConfig, formatProblems, type Environment } from '../src/config/index.js'
import { startBridge, type RunningBridge } from '../src/main.js'
import { collector } from './helpers/cli-run.js'
import { TestOpencrvsKeys } from './helpers/opencrvs-keys.js'

const PASSWORD = 'correct horse battery staple'

/** Personal data the seeded registrations carry; none of it may reach a page. */
const PERSONAL = {
  childName: 'Chanda Mwansa Bwalya',
  motherName: 'Mutinta Bwalya',
  email: 'mutinta.bwalya@example.org',
  phone: '+260971234567',
  nationalId: '7391046285'
}

function birthPayload(trackingId: string) {
  return {
    trackingId,
    notification: {
      recipientFullName: PERSONAL.motherName,
      recipientEmail: PERSONAL.email,
      recipientPhone: PERSONAL.phone
    },
    requestFields: {
      birthCertificateNumber: 'BRN-2026-0001',
      fullName: `[{"language":"eng","value":"${PERSONAL.childName}"}]`,
      dateOfBirth: '2026/01/15',
      gender: '[{"language":"eng","value":"Female"}]'
    },
    metaInfo: { metaData: '[]' },
    audit: { uuid: randomUUID(), createdAt: new Date().toISOString() }
  }
}

async function start(
  dir: string,
  keyServer: string,
  env: Environment,
  logs?: LogSink
): Promise<RunningBridge> {
  const result = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '1',
    SQLITE_DATABASE_PATH: join(dir, 'bridge.db'),
    OPENCRVS_PUBLIC_KEY_URL: `${keyServer}/.well-known`,
    MOSIP_WEBSUB_SECRET: 'console-test-websub-secret',
    // Nothing listens there: submissions wait and retry in the background.
    MOSIP_AUTH_URL: 'http://127.0.0.1:9/v1/authmanager/authenticate/clientidsecretkey',
    MOSIP_WEBSUB_HUB_URL: 'http://127.0.0.1:9/websub/hub',
    DECRYPT_P12_FILE_PATH: join(dir, 'missing.p12'),
    JOB_BACKOFF_BASE_MS: '600000',
    ...env
  })
  if (!result.ok) throw new Error(formatProblems(result.problems))
  return startBridge(
    { ...result.config, server: { ...result.config.server, port: 0 } },
    logs ? pino({ level: 'info' }, logs) : pino({ level: 'silent' })
  )
}

/** The `name=value` of a Set-Cookie header, for the next request's Cookie header. */
function cookieOf(response: Response): string {
  const header = response.headers.get('set-cookie') ?? ''
  return header.split(';')[0] ?? ''
}

function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page)
  assert.ok(match, 'the page carries a CSRF token')
  return match[1]!
}

describe('operator console', () => {
  const keys = new TestOpencrvsKeys()
  let dir: string
  let bridge: RunningBridge
  let url: string
  let cookie: string
  let attentionId: string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-console-'))
    const keyServer = await keys.start()
    bridge = await start(dir, keyServer, {
      ADMIN_PASSWORD_HASH: await hashPassword(PASSWORD),
      TRUST_PROXY: 'true'
    })
    url = bridge.url

    // A registration through intake (its payload holds names, email and phone, sealed)…
    const token = await keys.actionToken({})
    const intake = await fetch(`${url}/events/registration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(birthPayload('TRKCONSOLE1'))
    })
    assert.equal(intake.status, 202, await intake.text())
    // …and one waiting for an operator with the national id MOSIP issued (sealed).
    attentionId = '100019900000001'
    await bridge.registrations.createOrFind(bridge.store.db, {
      id: attentionId,
      kind: 'birth',
      opencrvsEventId: 'event-console-1',
      trackingId: 'TRKCONSOLE2',
      idempotencyKey: 'console-key-1',
      payload: birthPayload('TRKCONSOLE2'),
      token
    })
    for (const state of ['packet_created', 'submitted'] as const) {
      await bridge.registrations.transition(bridge.store.db, attentionId, state)
    }
    await bridge.registrations.transition(bridge.store.db, attentionId, 'credential_received', {
      changes: {
        credential_event_id: 'mosip-event-console-1',
        national_id_sealed: bridge.registrations.sealNationalId(attentionId, PERSONAL.nationalId)
      }
    })
    await bridge.registrations.transition(bridge.store.db, attentionId, 'needs_attention', {
      reason: 'OPENCRVS_TOKEN_EXPIRED',
      lastError: 'OPENCRVS_TOKEN_EXPIRED: the token has expired'
    })
  })

  after(async () => {
    await bridge?.stop()
    await keys.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { redirect: 'manual', headers: { cookie, ...headers } })
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers },
      body: new URLSearchParams(form).toString()
    })

  it('sends a request without a session to the login form', async () => {
    for (const path of ['/admin', '/admin/registrations', `/admin/registrations/${attentionId}`]) {
      const response = await fetch(`${url}${path}`, { redirect: 'manual' })
      assert.equal(response.status, 303, path)
      assert.equal(response.headers.get('location'), '/admin/login')
    }
    const forged = await fetch(`${url}/admin`, {
      redirect: 'manual',
      headers: { cookie: 'mosip_bridge_console=abc.123' }
    })
    assert.equal(forged.status, 303)
    const login = await fetch(`${url}/admin/login`)
    assert.equal(login.status, 200)
    assert.match(await login.text(), /type="password"/)
    assert.match(login.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
  })

  it('refuses a wrong password with 401 and sets a strict session cookie for the right one', async () => {
    const wrong = await post('/admin/login', { password: 'not the password' })
    assert.equal(wrong.status, 401)
    assert.match(await wrong.text(), /Wrong password/)
    assert.equal(wrong.headers.get('set-cookie'), null)

    const plain = await post('/admin/login', { password: PASSWORD })
    assert.equal(plain.status, 303)
    assert.equal(plain.headers.get('location'), '/admin')
    const flags = plain.headers.get('set-cookie') ?? ''
    assert.match(flags, /HttpOnly/i)
    assert.match(flags, /SameSite=Strict/i)
    assert.match(flags, /Path=\/admin/)
    assert.match(flags, /Max-Age=\d+/)
    assert.doesNotMatch(flags, /Secure/i, 'not Secure over plain HTTP')

    // Behind a trusted proxy that terminated HTTPS, the cookie is Secure.
    const behindTls = await post(
      '/admin/login',
      { password: PASSWORD },
      { 'x-forwarded-proto': 'https' }
    )
    assert.match(behindTls.headers.get('set-cookie') ?? '', /;\s*Secure/i)
    cookie = cookieOf(plain)
  })

  it('serves pages with a strict Content-Security-Policy and no script', async () => {
    const response = await get('/admin')
    assert.equal(response.status, 200)
    const csp = response.headers.get('content-security-policy') ?? ''
    assert.match(csp, /default-src 'none'/)
    assert.doesNotMatch(csp, /script-src|unsafe-inline/)
    assert.equal(response.headers.get('x-frame-options'), 'DENY')
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const page = await response.text()
    assert.doesNotMatch(page, /<script|\son[a-z]+=/i)
    assert.match(page, /OPENCRVS_TOKEN_EXPIRED/)
    const css = await fetch(`${url}/admin/console.css`)
    assert.equal(css.status, 200)
    assert.match(css.headers.get('content-type') ?? '', /text\/css/)
  })

  it('refuses a POST without the CSRF token, or with a wrong one, with 403', async () => {
    const missing = await post(`/admin/registrations/${attentionId}/actions/retry`, {})
    assert.equal(missing.status, 403)
    const wrong = await post(`/admin/registrations/${attentionId}/actions/retry`, {
      _csrf: 'x'.repeat(43)
    })
    assert.equal(wrong.status, 403)
    const logout = await post('/admin/logout', {})
    assert.equal(logout.status, 403)
    assert.equal((await bridge.registrations.get(attentionId))?.state, 'needs_attention')
  })

  it('lists, filters and finds registrations', async () => {
    const all = await (await get('/admin/registrations')).text()
    assert.match(all, new RegExp(attentionId))
    assert.match(all, /TRKCONSOLE1/)
    const filtered = await (
      await get('/admin/registrations?state=needs_attention&reason=OPENCRVS_TOKEN_EXPIRED')
    ).text()
    assert.match(filtered, new RegExp(attentionId))
    assert.doesNotMatch(filtered, /TRKCONSOLE1/)
    const byTracking = await (await get('/admin/registrations?q=TRKCONSOLE2')).text()
    assert.match(byTracking, new RegExp(attentionId))
    const byEvent = await (await get('/admin/registrations?q=event-console-1')).text()
    assert.match(byEvent, new RegExp(attentionId))
    const none = await (await get('/admin/registrations?kind=death')).text()
    assert.match(none, /No registration matches/)
    for (const bad of ['state=nope', 'kind=x', 'age=3y', 'page=0', 'page=abc']) {
      assert.equal((await get(`/admin/registrations?${bad}`)).status, 400, bad)
    }
    assert.equal((await get('/admin/registrations/999999999999999')).status, 404)
  })

  it('retries a registration from its page and shows the action in its audit trail', async () => {
    const page = await (await get(`/admin/registrations/${attentionId}`)).text()
    assert.match(page, /data-action="retry"/)
    assert.match(page, /data-action="reject"/)
    const csrf = csrfOf(page)
    const unknown = await post(`/admin/registrations/${attentionId}/actions/explode`, {
      _csrf: csrf
    })
    assert.equal(unknown.status, 400)
    // A destructive action needs its confirmation box ticked.
    const unconfirmed = await post(`/admin/registrations/${attentionId}/actions/remove`, {
      _csrf: csrf
    })
    assert.equal(unconfirmed.status, 303)
    assert.ok(await bridge.registrations.get(attentionId))

    const retried = await post(`/admin/registrations/${attentionId}/actions/retry`, {
      _csrf: csrf
    })
    assert.equal(retried.status, 303)
    assert.match(retried.headers.get('location') ?? '', /notice=/)
    assert.equal((await bridge.registrations.get(attentionId))?.state, 'credential_received')
    const after = await (await get(retried.headers.get('location')!)).text()
    assert.match(after, /confirmation in OpenCRVS queued/)
    assert.match(after, /registration\.retry/)
    assert.match(after, /admin console \(session [A-Za-z0-9_-]{8}\)/)
    assert.match(after, /<td>console<\/td>/)

    // Refused actions are audited too, with the reason shown.
    const again = await post(`/admin/registrations/${attentionId}/actions/reconcile`, {
      _csrf: csrf
    })
    assert.match(decodeURIComponent(again.headers.get('location') ?? ''), /error=/)
  })

  it('never shows personal data, a national id or a token on any page', async () => {
    const token = await keys.actionToken({})
    const pages = [
      '/admin',
      '/admin/registrations',
      '/admin/registrations?state=needs_attention',
      '/admin/deliveries',
      '/admin/jobs',
      '/admin/login'
    ]
    const list = await (await get('/admin/registrations')).text()
    for (const match of list.matchAll(/href="(\/admin\/registrations\/[^"]+)"/g)) {
      pages.push(match[1]!)
    }
    assert.ok(pages.length >= 8)
    for (const path of pages) {
      const page = await (await get(path)).text()
      for (const value of [...Object.values(PERSONAL), token, token.split('.')[1]!]) {
        assert.ok(!page.includes(value), `${path} shows ${value}`)
      }
      assert.doesNotMatch(page, /eyJ[A-Za-z0-9_-]{10,}/, `${path} shows a JWT`)
    }
  })

  it('logs out, after which the cookie is cleared', async () => {
    const page = await (await get('/admin')).text()
    const response = await post('/admin/logout', { _csrf: csrfOf(page) })
    assert.equal(response.status, 303)
    assert.equal(response.headers.get('location'), '/admin/login')
    assert.match(response.headers.get('set-cookie') ?? '', /mosip_bridge_console=;/)
  })

  it('rate-limits login attempts', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) {
      statuses.push((await post('/admin/login', { password: `guess ${i}` })).status)
    }
    assert.ok(statuses.includes(401))
    assert.equal(statuses.at(-1), 429, statuses.join(','))
  })
})

describe('operator console off', () => {
  it('answers 404 at /admin without ADMIN_PASSWORD_HASH', async () => {
    const keys = new TestOpencrvsKeys()
    const dir = mkdtempSync(join(tmpdir(), 'bridge-console-off-'))
    const logs = new LogSink()
    const bridge = await start(dir, await keys.start(), {}, logs)
    try {
      assert.ok(
        logs.entries().some((entry) => /operator console off/.test(String(entry.msg))),
        'a start-up line says the console is off'
      )
      for (const path of ['/admin', '/admin/login', '/admin/console.css']) {
        assert.equal((await fetch(`${bridge.url}${path}`)).status, 404, path)
      }
      const post = await fetch(`${bridge.url}/admin/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'password=x'
      })
      assert.equal(post.status, 404)
    } finally {
      await bridge.stop()
      await keys.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('admin hash-password', () => {
  it('prints a hash of the password read on standard input, which verifies', async () => {
    const stdout = collector()
    const stderr = collector()
    const code = await runCli({
      argv: ['admin', 'hash-password'],
      env: {},
      cwd: tmpdir(),
      stdout: stdout.stream,
      stderr: stderr.stream,
      stdin: Readable.from([`${PASSWORD}\n`])
    })
    assert.equal(code, 0, stderr.text())
    const value = stdout.text().trim()
    assert.match(value, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/)
    const parsed = parsePasswordHash(value)
    assert.ok(parsed)
    assert.equal(await verifyPassword(parsed, PASSWORD), true)
    assert.equal(await verifyPassword(parsed, `${PASSWORD}!`), false)
    const config = loadConfig({ NODE_ENV: 'test', ADMIN_PASSWORD_HASH: value })
    assert.ok(config.ok && config.config.server.adminPasswordHash === value)
  })

  it('refuses a short or empty password and a malformed ADMIN_PASSWORD_HASH', async () => {
    for (const input of ['', 'short\n']) {
      const code = await runCli({
        argv: ['admin', 'hash-password'],
        env: {},
        cwd: tmpdir(),
        stdout: collector().stream,
        stderr: collector().stream,
        stdin: Readable.from([input])
      })
      assert.equal(code, 2)
    }
    const config = loadConfig({ NODE_ENV: 'test', ADMIN_PASSWORD_HASH: 'plain-password' })
    assert.equal(config.ok, false)
    assert.ok(!config.ok && !formatProblems(config.problems).includes('plain-password'))
  })
})
