/**
 * The console's pages, rendered on the server. They show ids, states, codes, counts and times
 * only: never a name, a national id, a token or a delivery's content (none of which the
 * operator queries read).
 */
import type { ActionPlan } from '../../core/operator-action-plan.js'
import { OPERATOR_ACTION_LABELS } from '../../core/operator-action-plan.js'
import type { ReadinessReport } from '../../core/dependency-state.js'
import { REGISTRATION_STATES } from '../../core/registration-state.js'
import type {
  Job,
  OperatorAction as AuditRow,
  RegistrationHistoryEntry
} from '../../store/schema.js'
import { html, type SafeHtml } from './html.js'

export const REGISTRATION_KINDS = ['birth', 'death', 'update'] as const

/** The age filter of the registrations list: created longer ago than this. */
export const AGE_FILTERS: Record<string, { label: string; ms: number }> = {
  '1h': { label: 'older than 1 hour', ms: 3_600_000 },
  '1d': { label: 'older than 1 day', ms: 86_400_000 },
  '7d': { label: 'older than 7 days', ms: 7 * 86_400_000 },
  '30d': { label: 'older than 30 days', ms: 30 * 86_400_000 }
}

type Section = 'overview' | 'registrations' | 'deliveries' | 'jobs'

interface PageContext {
  csrf: string
  now: number
  notice?: string | undefined
  error?: string | undefined
}

function time(at: number | null | undefined): SafeHtml {
  if (at === null || at === undefined) return html`<span class="muted">–</span>`
  const iso = new Date(Number(at)).toISOString()
  return html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 19)}</time>`
}

/** A duration in words: 45 s, 12 min, 3 h, 5 d. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 120) return `${s} s`
  if (s < 7200) return `${Math.round(s / 60)} min`
  if (s < 172_800) return `${Math.round(s / 3600)} h`
  return `${Math.round(s / 86_400)} d`
}

function csrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrf}" />`
}

function layout(title: string, section: Section | undefined, ctx: PageContext, body: SafeHtml) {
  const link = (to: Section, href: string, label: string) =>
    html`<a href="${href}" ${section === to ? html` aria-current="page"` : ''}>${label}</a>`
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · MOSIP bridge console</title>
        <link rel="stylesheet" href="/admin/console.css" />
      </head>
      <body>
        <header>
          <span class="brand">MOSIP bridge</span>
          <nav>
            ${link('overview', '/admin', 'Overview')}
            ${link('registrations', '/admin/registrations', 'Registrations')}
            ${link('deliveries', '/admin/deliveries', 'Kept deliveries')}
            ${link('jobs', '/admin/jobs', 'Dead jobs')}
          </nav>
          <form class="inline" method="post" action="/admin/logout">
            ${csrfField(ctx.csrf)}<button class="link" type="submit">Log out</button>
          </form>
        </header>
        <main>
          ${ctx.notice ? html`<p class="notice" role="status">${ctx.notice}</p>` : ''}
          ${ctx.error ? html`<p class="error" role="alert">${ctx.error}</p>` : ''}
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`.value
}

export function loginPage(problem?: string): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Log in · MOSIP bridge console</title>
        <link rel="stylesheet" href="/admin/console.css" />
      </head>
      <body>
        <form class="login" method="post" action="/admin/login">
          <h1>MOSIP bridge console</h1>
          ${problem ? html`<p class="error" role="alert">${problem}</p>` : ''}
          <label for="password">Operator password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            autofocus
          />
          <button type="submit">Log in</button>
        </form>
      </body>
    </html>`.value
}

export function messagePage(title: string, message: string, ctx?: PageContext): string {
  const body = html`<p>${message}</p>
    <p><a href="/admin">Back to the overview</a></p>`
  return ctx
    ? layout(title, undefined, ctx, body)
    : html`<!doctype html>
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <title>${title}</title>
            <link rel="stylesheet" href="/admin/console.css" />
          </head>
          <body>
            <main>
              <h1>${title}</h1>
              ${body}
            </main>
          </body>
        </html>`.value
}

function listLink(filter: Record<string, string>): string {
  return `/admin/registrations?${new URLSearchParams(filter).toString()}`
}

export interface OverviewData {
  byStateAndKind: Array<{ state: string; kind: string; count: number }>
  oldestUnfinishedAt: number | undefined
  stalled: number
  stallAlertMs: number
  needsAttention: Array<{ reason: string; count: number }>
  jobs: Record<string, number>
  unfinishedJobs: Array<{ task: string; state: string; count: number }>
  deliveries: Array<{ state: string; count: number }>
  subscriptions: Array<{ name: string; lastSuccessAt: Date | null }>
  tokensExpiring: { within24h: number; within72h: number }
  readiness: ReadinessReport
}

export function overviewPage(data: OverviewData, ctx: PageContext): string {
  const count = (state: string, kind: string) =>
    data.byStateAndKind.find((row) => row.state === state && row.kind === kind)?.count ?? 0
  const stateTotal = (state: string) =>
    data.byStateAndKind.filter((row) => row.state === state).reduce((n, r) => n + r.count, 0)
  const body = html` <div class="grid">
      <section class="card" aria-labelledby="dependencies">
        <h2 id="dependencies">Dependencies</h2>
        <p>
          ${data.readiness.ready ? html`<span class="up">Ready</span>` : html`<span class="down">Not ready</span>`}
        </p>
        <table>
          <thead>
            <tr>
              <th>Dependency</th>
              <th>State</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            ${data.readiness.dependencies.map(
              (dep) =>
                html`<tr>
                  <td>
                    ${dep.name}${dep.required ? html` <span class="muted">(required)</span>` : ''}
                  </td>
                  <td class="${dep.status}">${dep.status}</td>
                  <td>${dep.detail ?? ''}</td>
                </tr>`
            )}
          </tbody>
        </table>
      </section>
      <section class="card" aria-labelledby="attention">
        <h2 id="attention">Needs attention</h2>
        ${
          data.needsAttention.length === 0
            ? html`<p class="muted">Nothing waits for an operator.</p>`
            : html`<table>
                <thead>
                  <tr>
                    <th>Reason</th>
                    <th class="num">Registrations</th>
                  </tr>
                </thead>
                <tbody>
                  ${data.needsAttention.map(
                    (row) =>
                      html`<tr>
                        <td>
                          <a href="${listLink({ state: 'needs_attention', reason: row.reason })}"
                            ><code>${row.reason}</code></a
                          >
                        </td>
                        <td class="num">${row.count}</td>
                      </tr>`
                  )}
                </tbody>
              </table>`
        }
        <p>
          Stalled at MOSIP (submitted more than ${age(data.stallAlertMs)} ago):
          <a href="${listLink({ state: 'submitted' })}"><strong>${data.stalled}</strong></a>
        </p>
        <p>
          Oldest unfinished registration:
          ${
            data.oldestUnfinishedAt === undefined
              ? html`<span class="muted">none</span>`
              : html`created ${age(ctx.now - data.oldestUnfinishedAt)} ago
                (${time(data.oldestUnfinishedAt)})`
          }
        </p>
        <p>
          OpenCRVS tokens of unfinished registrations expiring within 24 h:
          <strong>${data.tokensExpiring.within24h}</strong>, within 72 h:
          <strong>${data.tokensExpiring.within72h}</strong>
        </p>
      </section>
    </div>
    <section aria-labelledby="registrations">
      <h2 id="registrations">Registrations by state and kind</h2>
      <table>
        <thead>
          <tr>
            <th>State</th>
            ${REGISTRATION_KINDS.map((kind) => html`<th class="num">${kind}</th>`)}
            <th class="num">total</th>
          </tr>
        </thead>
        <tbody>
          ${REGISTRATION_STATES.map(
            (state) =>
              html`<tr>
                <td><a href="${listLink({ state })}">${state}</a></td>
                ${REGISTRATION_KINDS.map(
                  (kind) => html`<td class="num">${count(state, kind)}</td>`
                )}
                <td class="num">${stateTotal(state)}</td>
              </tr>`
          )}
        </tbody>
      </table>
    </section>
    <div class="grid">
      <section class="card" aria-labelledby="queue">
        <h2 id="queue">Job queue</h2>
        <p>
          Queued <strong>${data.jobs.queued ?? 0}</strong>, running
          <strong>${data.jobs.running ?? 0}</strong>, dead
          <a href="/admin/jobs"><strong>${data.jobs.dead ?? 0}</strong></a>
        </p>
        ${
          data.unfinishedJobs.length > 0
            ? html`<table>
                <thead>
                  <tr>
                    <th>Task</th>
                    <th>State</th>
                    <th class="num">Jobs</th>
                  </tr>
                </thead>
                <tbody>
                  ${data.unfinishedJobs.map(
                    (row) =>
                      html`<tr>
                        <td>${row.task}</td>
                        <td>${row.state}</td>
                        <td class="num">${row.count}</td>
                      </tr>`
                  )}
                </tbody>
              </table>`
            : ''
        }
      </section>
      <section class="card" aria-labelledby="websub">
        <h2 id="websub">MOSIP WebSub</h2>
        <table>
          <thead>
            <tr>
              <th>Subscription</th>
              <th>Last confirmed</th>
            </tr>
          </thead>
          <tbody>
            ${data.subscriptions.map(
              (sub) =>
                html`<tr>
                  <td>${sub.name}</td>
                  <td>
                    ${
                      sub.lastSuccessAt
                        ? html`${age(ctx.now - sub.lastSuccessAt.getTime())} ago`
                        : html`<span class="down">never</span>`
                    }
                  </td>
                </tr>`
            )}
          </tbody>
        </table>
        <p>
          Deliveries:
          ${data.deliveries.map((row) => html`${row.state} <strong>${row.count}</strong>; `)}<a
            href="/admin/deliveries"
            >kept for an operator</a
          >
        </p>
      </section>
    </div>`
  return layout('Overview', 'overview', ctx, body)
}

export interface RegistrationRow {
  id: string
  kind: string
  state: string
  attempts: number
  opencrvs_event_id: string | null
  tracking_id: string | null
  last_error: string | null
  created_at: number
  updated_at: number
}

export interface ListFilter {
  state?: string | undefined
  kind?: string | undefined
  reason?: string | undefined
  age?: string | undefined
  q?: string | undefined
  page: number
}

export function registrationsPage(
  data: { rows: RegistrationRow[]; more: boolean; filter: ListFilter; reasons: string[] },
  ctx: PageContext
): string {
  const { filter } = data
  const option = (value: string, label: string, current: string | undefined) =>
    html`<option value="${value}" ${value === (current ?? '') ? html` selected` : ''}>
      ${label}
    </option>`
  const pageLink = (page: number) => {
    const params: Record<string, string> = {}
    for (const key of ['state', 'kind', 'reason', 'age', 'q'] as const) {
      const value = filter[key]
      if (value) params[key] = value
    }
    params.page = String(page)
    return listLink(params)
  }
  const body = html` <form class="filters" method="get" action="/admin/registrations" role="search">
      <label
        >Search<input
          type="search"
          name="q"
          value="${filter.q ?? ''}"
          placeholder="transaction, tracking or OpenCRVS event id"
          size="36"
      /></label>
      <label
        >State<select name="state">
          ${option('', 'any', filter.state)}${REGISTRATION_STATES.map((s) => option(s, s, filter.state))}
        </select></label
      >
      <label
        >Kind<select name="kind">
          ${option('', 'any', filter.kind)}${REGISTRATION_KINDS.map((k) => option(k, k, filter.kind))}
        </select></label
      >
      <label
        >Reason (needs attention)<select name="reason">
          ${option('', 'any', filter.reason)}${data.reasons.map((r) => option(r, r, filter.reason))}
        </select></label
      >
      <label
        >Age<select name="age">
          ${option('', 'any', filter.age)}${Object.entries(AGE_FILTERS).map(([value, { label }]) => option(value, label, filter.age))}
        </select></label
      >
      <button type="submit">Filter</button>
      <a href="/admin/registrations">Clear</a>
    </form>
    ${
      data.rows.length === 0
        ? html`<p class="muted">No registration matches.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>Transaction id</th>
                <th>Kind</th>
                <th>State</th>
                <th class="num">Attempts</th>
                <th>OpenCRVS event</th>
                <th>Tracking id</th>
                <th>Created</th>
                <th>Updated</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              ${data.rows.map(
                (row) =>
                  html`<tr>
                    <td>
                      <a class="id" href="/admin/registrations/${encodeURIComponent(row.id)}"
                        >${row.id}</a
                      >
                    </td>
                    <td>${row.kind}</td>
                    <td>${row.state}</td>
                    <td class="num">${row.attempts}</td>
                    <td class="id">${row.opencrvs_event_id ?? ''}</td>
                    <td class="id">${row.tracking_id ?? ''}</td>
                    <td>${time(row.created_at)}</td>
                    <td>${time(row.updated_at)}</td>
                    <td>${row.last_error ?? ''}</td>
                  </tr>`
              )}
            </tbody>
          </table>`
    }
    <nav class="pager" aria-label="pages">
      ${filter.page > 1 ? html`<a href="${pageLink(filter.page - 1)}" rel="prev">Previous</a>` : ''}
      <span class="muted">page ${filter.page}</span>
      ${data.more ? html`<a href="${pageLink(filter.page + 1)}" rel="next">Next</a>` : ''}
    </nav>`
  return layout('Registrations', 'registrations', ctx, body)
}

export interface RegistrationDetailData {
  registration: RegistrationRow & {
    opencrvs_action_id: string | null
    registration_number: string | null
    mosip_id: string | null
    mosip_status: string | null
    mosip_checked_at: number | null
    reconcile_at: number | null
    resubmissions: number
    submitted_at: number | null
    kept: { token: boolean; payload: boolean; nationalId: boolean }
    history: RegistrationHistoryEntry[]
  }
  mosipIds: string[]
  handOver: { from_state: string | null; reason: string | null } | undefined
  plans: ActionPlan[]
  audit: AuditRow[]
}

const DESTRUCTIVE = new Set(['reject', 'remove'])

export function registrationPage(data: RegistrationDetailData, ctx: PageContext): string {
  const r = data.registration
  const yesNo = (kept: boolean) => (kept ? 'kept' : 'erased')
  const actionForm = (plan: ActionPlan) => {
    const label = OPERATOR_ACTION_LABELS[plan.action]
    if (!plan.offered) {
      return html`<div class="action refused" data-action="${plan.action}">
        <strong>${label}</strong>: not offered — ${plan.refusal}
      </div>`
    }
    const destructive = DESTRUCTIVE.has(plan.action)
    return html`<form
      class="action"
      method="post"
      action="/admin/registrations/${encodeURIComponent(r.id)}/actions/${plan.action}"
      data-action="${plan.action}"
    >
      ${csrfField(ctx.csrf)}
      <button type="submit" ${destructive ? html` class="danger"` : ''}>${label}</button>
      <span>${plan.description}</span>
      ${destructive ? html` <label><input type="checkbox" name="confirm" value="yes" required /> I am sure</label>` : ''}
    </form>`
  }
  const body = html` <dl class="facts">
      <dt>Kind</dt>
      <dd>${r.kind}</dd>
      <dt>State</dt>
      <dd>
        <strong>${r.state}</strong>${
          data.handOver
            ? html` — handed over from ${data.handOver.from_state ?? '–'} for
                <code>${data.handOver.reason ?? 'no reason recorded'}</code>`
            : ''
        }
      </dd>
      <dt>Attempts</dt>
      <dd>${r.attempts}</dd>
      <dt>Last error</dt>
      <dd>${r.last_error ?? html`<span class="muted">none</span>`}</dd>
      <dt>OpenCRVS event id</dt>
      <dd class="id">${r.opencrvs_event_id ?? '–'}</dd>
      <dt>OpenCRVS action id</dt>
      <dd class="id">${r.opencrvs_action_id ?? '–'}</dd>
      <dt>Tracking id</dt>
      <dd class="id">${r.tracking_id ?? '–'}</dd>
      <dt>Registration number</dt>
      <dd class="id">${r.registration_number ?? '–'}</dd>
      <dt>MOSIP registration id</dt>
      <dd class="id">
        ${r.mosip_id ?? r.id}${data.mosipIds.length > 1 ? html` <span class="muted">(ids used: ${data.mosipIds.join(', ')})</span>` : ''}
      </dd>
      <dt>Submitted to MOSIP</dt>
      <dd>${time(r.submitted_at)}, resubmissions ${r.resubmissions}</dd>
      <dt>MOSIP status</dt>
      <dd>
        ${r.mosip_status ?? '–'}, checked
        ${time(r.mosip_checked_at)}${r.state === 'submitted' ? html`, next check ${time(r.reconcile_at)}` : ''}
      </dd>
      <dt>Kept</dt>
      <dd>
        token ${yesNo(r.kept.token)}, packet input ${yesNo(r.kept.payload)}, national id
        ${yesNo(r.kept.nationalId)}
      </dd>
      <dt>Created</dt>
      <dd>${time(r.created_at)}</dd>
      <dt>Updated</dt>
      <dd>${time(r.updated_at)}</dd>
    </dl>
    <h2>Actions</h2>
    <div class="actions">${data.plans.map(actionForm)}</div>
    <h2>History</h2>
    <table>
      <thead>
        <tr>
          <th>At</th>
          <th>From</th>
          <th>To</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        ${r.history.map(
          (entry) =>
            html`<tr>
              <td>${time(entry.at)}</td>
              <td>${entry.from_state ?? '–'}</td>
              <td>${entry.to_state}</td>
              <td><code>${entry.reason ?? ''}</code></td>
            </tr>`
        )}
      </tbody>
    </table>
    <h2>Operator actions</h2>
    ${
      data.audit.length === 0
        ? html`<p class="muted">None yet.</p>`
        : html`<table id="audit">
            <thead>
              <tr>
                <th>At</th>
                <th>Action</th>
                <th>By</th>
                <th>Channel</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              ${data.audit.map(
                (row) =>
                  html`<tr>
                    <td>${time(row.at)}</td>
                    <td>${row.action}</td>
                    <td>${row.actor}</td>
                    <td>${row.channel}</td>
                    <td>${row.outcome}</td>
                  </tr>`
              )}
            </tbody>
          </table>`
    }`
  return layout(`Registration ${r.id}`, 'registrations', ctx, body)
}

export function deliveriesPage(
  rows: Array<{
    event_id: string
    state: string
    note: string | null
    registration_id: string | null
    received_at: number
  }>,
  ctx: PageContext
): string {
  const body = html` <p class="muted">
      Credentials and workflow events MOSIP delivered that could not be used: undecryptable (a
      keystore or thumbprint setting), unmatched (no registration), invalid. Their content stays
      sealed; retry processes one again once the cause is fixed.
    </p>
    ${
      rows.length === 0
        ? html`<p class="muted">No delivery is kept.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>MOSIP event id</th>
                <th>State</th>
                <th>Note</th>
                <th>Registration</th>
                <th>Received</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (row) =>
                  html`<tr>
                    <td class="id">${row.event_id}</td>
                    <td>${row.state}</td>
                    <td><code>${row.note ?? ''}</code></td>
                    <td>
                      ${
                        row.registration_id
                          ? html`<a
                              class="id"
                              href="/admin/registrations/${encodeURIComponent(row.registration_id)}"
                              >${row.registration_id}</a
                            >`
                          : '–'
                      }
                    </td>
                    <td>${time(row.received_at)}</td>
                    <td>
                      <form
                        class="inline"
                        method="post"
                        action="/admin/deliveries/${encodeURIComponent(row.event_id)}/retry"
                      >
                        ${csrfField(ctx.csrf)}<button type="submit">Retry</button>
                      </form>
                    </td>
                  </tr>`
              )}
            </tbody>
          </table>`
    }`
  return layout('Kept deliveries', 'deliveries', ctx, body)
}

/** The registration a job's payload names, if any (payloads hold ids only). */
function registrationOfJob(job: Job): string | undefined {
  try {
    const payload = JSON.parse(job.payload) as { registrationId?: unknown }
    return typeof payload.registrationId === 'string' ? payload.registrationId : undefined
  } catch {
    return undefined
  }
}

export function jobsPage(rows: Job[], ctx: PageContext): string {
  const body = html` <p class="muted">
      Jobs that used up their attempts. Replay puts one back in the queue with fresh attempts.
    </p>
    ${
      rows.length === 0
        ? html`<p class="muted">No dead job.</p>`
        : html`<table>
            <thead>
              <tr>
                <th class="num">Job</th>
                <th>Task</th>
                <th>Registration</th>
                <th class="num">Attempts</th>
                <th>Last error</th>
                <th>Updated</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${rows.map((job) => {
                const registration = registrationOfJob(job)
                return html`<tr>
                  <td class="num">${job.id}</td>
                  <td>${job.task}</td>
                  <td>
                    ${
                      registration
                        ? html`<a
                            class="id"
                            href="/admin/registrations/${encodeURIComponent(registration)}"
                            >${registration}</a
                          >`
                        : '–'
                    }
                  </td>
                  <td class="num">${job.attempts}/${job.max_attempts}</td>
                  <td>${job.last_error ?? ''}</td>
                  <td>${time(job.updated_at)}</td>
                  <td>
                    <form class="inline" method="post" action="/admin/jobs/${job.id}/replay">
                      ${csrfField(ctx.csrf)}<button type="submit">Replay</button>
                    </form>
                  </td>
                </tr>`
              })}
            </tbody>
          </table>`
    }`
  return layout('Dead jobs', 'jobs', ctx, body)
}
