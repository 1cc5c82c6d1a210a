/**
 * The operator console in a real browser (Debian's Chromium, driven by playwright-core): a bridge
 * in its own process with the simulators, a birth left waiting for an operator by OpenCRVS
 * refusing the confirmation, then an operator logs in, walks overview → list → filter → the
 * registration → retry, and sees the audit line; OpenCRVS then has the national id. Screenshots
 * go to test-artifacts/console/ (not committed).
 *
 * Chromium is never downloaded: without /usr/bin/chromium the test is skipped, except in CI
 * (CI=true), where .ci/run installs it and its absence is a failure.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { SimulatorSuite } from '@mosip-bridge/simulators'
import type { Store } from '@mosip-bridge/server'
import { waitFor } from '@mosip-bridge/test-support'
import type { BridgeProcess } from '../src/bridge-process.js'
import { startDeployment, type Deployment } from './helpers/deployment.js'
import { runBridgeCli } from './helpers/bridge-cli.js'
import { registrationOfEvent } from './helpers/store-reads.js'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/console/', import.meta.url))
const PASSWORD = 'an operator password for the browser test'
const WEBSUB_SECRET = 'console-e2e-websub-secret'
const PERSONAL = ['Chanda', 'Bwalya', 'mary@example.org']

const chromiumMissing = !existsSync(CHROMIUM)
if (chromiumMissing && process.env.CI === 'true') {
  throw new Error(`${CHROMIUM} is missing: CI must install Chromium (apt-get install chromium)`)
}
const suiteOptions = chromiumMissing
  ? { skip: `${CHROMIUM} is not installed (apt-get install chromium); the browser test is skipped` }
  : {}

describe('operator console in Chromium', suiteOptions, () => {
  let deployment: Deployment<'stub'>
  let suite: SimulatorSuite
  let bridge: BridgeProcess
  let store: Store
  let browser: Browser
  const problems: string[] = []

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    // The value to set, as an operator makes it: the password piped into the CLI.
    const hashed = await runBridgeCli(['admin', 'hash-password'], { input: `${PASSWORD}\n` })
    assert.equal(hashed.status, 0, hashed.stderr)
    deployment = await startDeployment({
      name: 'console',
      dialect: 'sqlite',
      countryConfig: 'stub',
      simulators: { websubSecret: WEBSUB_SECRET },
      bridgeEnv: {
        ADMIN_PASSWORD_HASH: hashed.stdout.trim(),
        MOSIP_WEBSUB_RESUBSCRIBE_SECONDS: '2'
      }
    })
    ;({ suite, bridge, store } = deployment)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
    })
  })

  after(async () => {
    await browser?.close()
    await deployment?.stop()
  })

  const registrationOf = (eventId: string) => registrationOfEvent(store, eventId)

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
  }

  /** No personal data on the page, and nothing the browser complained about. */
  async function checkPage(page: Page) {
    const content = await page.content()
    for (const value of PERSONAL) assert.ok(!content.includes(value), `the page shows ${value}`)
    assert.deepEqual(problems, [])
  }

  it('logs in, finds the registration waiting for an operator, retries it and sees the audit line', async () => {
    // OpenCRVS refuses the confirmation: the birth waits for an operator.
    suite.opencrvs.setFaults('opencrvs-gateway', { errorRate: 1, errorStatus: 401 })
    const event = suite.opencrvs.createEvent({
      type: 'birth',
      declaration: {
        'child.name': { firstname: 'Chanda', surname: 'Bwalya' },
        'child.dob': '2026-01-15',
        'informant.name': { firstname: 'Mary', surname: 'Bwalya' },
        'informant.email': 'mary@example.org'
      }
    })
    const trigger = await suite.opencrvs.register(event.id)
    assert.equal(trigger.outcome, 'pending')
    const waiting = await waitFor(
      'the registration to wait for an operator',
      async () => {
        const row = await registrationOf(event.id)
        return row?.state === 'needs_attention' ? row : undefined
      },
      30_000
    )
    suite.opencrvs.clearFaults()

    const context = await browser.newContext()
    const page = await context.newPage()
    // A CSP violation or a script error shows as a console error; a failed load is checked by
    // its response instead (the login's 401 is expected, the browser's own /favicon.ico is not
    // the console's).
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        problems.push(message.text())
      }
    })
    page.on('response', (response) => {
      const { pathname } = new URL(response.url())
      const expected = pathname === '/admin/login' && response.status() === 401
      if (pathname.startsWith('/admin') && response.status() >= 400 && !expected) {
        problems.push(`${response.status()} ${pathname}`)
      }
    })
    page.on('pageerror', (error) => problems.push(error.message))

    // Not logged in: the console sends the browser to its login form.
    await page.goto(`${bridge.url}/admin`)
    assert.match(page.url(), /\/admin\/login$/)
    await page.getByLabel('Operator password').fill('not the password')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByText('Wrong password.').waitFor()
    await shot(page, '01-login-refused')
    await page.getByLabel('Operator password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    const cookies = await context.cookies()
    const session = cookies.find((c) => c.name === 'mosip_bridge_console')
    assert.ok(session?.httpOnly && session.sameSite === 'Strict', 'HttpOnly, SameSite=Strict')
    await checkPage(page)
    await shot(page, '02-overview')

    // The overview counts it under its reason; the list filtered by state finds it.
    assert.ok(
      await page.locator('#attention ~ table, section[aria-labelledby="attention"] table').count()
    )
    await page.getByRole('link', { name: 'Registrations', exact: true }).click()
    await page.getByRole('heading', { name: 'Registrations' }).waitFor()
    await shot(page, '03-registrations')
    await page.getByLabel('State').selectOption('needs_attention')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.waitForURL(/state=needs_attention/)
    await checkPage(page)
    await shot(page, '04-filtered')
    await page.getByRole('link', { name: waiting.id }).click()
    await page.getByRole('heading', { name: `Registration ${waiting.id}` }).waitFor()
    await checkPage(page)
    await shot(page, '05-registration')

    // Retry: the confirmation is queued again and now goes through.
    await page.locator('form[data-action="retry"] button').click()
    await page.getByRole('status').waitFor()
    assert.match(await page.getByRole('status').innerText(), /confirmation in OpenCRVS queued/)
    const audit = page.locator('#audit')
    assert.match(await audit.innerText(), /registration\.retry/)
    assert.match(await audit.innerText(), /admin console \(session/)
    await checkPage(page)
    await shot(page, '06-retried')
    await suite.opencrvs.waitForConfirmation(event.id, trigger.actionId!, 'Accepted', {
      timeoutMs: 30_000
    })
    await waitFor('the bridge to record the confirmation', async () => {
      return (await registrationOf(event.id))?.state === 'confirmed'
    })
    await page.reload()
    assert.match(await page.locator('dl.facts').innerText(), /confirmed/)
    await shot(page, '07-confirmed')

    // Logging out ends the session in the browser.
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL(/\/admin\/login$/)
    await page.goto(`${bridge.url}/admin/registrations`)
    assert.match(page.url(), /\/admin\/login$/)
    await context.close()
  })
})
