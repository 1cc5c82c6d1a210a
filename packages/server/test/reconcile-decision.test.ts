import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mosipExternalStatusCodeSchema } from '@mosip-bridge/contracts'
import {
  answerLabel,
  decideReconciliation,
  nextCheckDelayMs,
  type MosipStatusAnswer,
  type ReconcileDecision,
  type ReconcileInput
} from '../src/core/reconcile-decision.js'
import type { RegistrationKind } from '../src/core/intake-plan.js'
import { REGISTRATION_STATES } from '../src/core/registration-state.js'

const SETTINGS = { resubmitLimit: 3, intervalMs: 300_000, maxIntervalMs: 21_600_000 }
const KINDS: RegistrationKind[] = ['birth', 'death', 'update']

function decide(
  kind: RegistrationKind,
  answer: MosipStatusAnswer,
  overrides: Partial<ReconcileInput> = {}
): ReconcileDecision {
  return decideReconciliation(
    { kind, state: 'submitted', credentialArrived: false, resubmissions: 0, answer, ...overrides },
    SETTINGS
  )
}

/** The action expected for each external status and kind of a submitted registration. */
const EXPECTED: Record<string, Record<RegistrationKind, ReconcileDecision['action']>> = {
  PROCESSING: { birth: 'keep-checking', death: 'keep-checking', update: 'keep-checking' },
  RECEIVED: { birth: 'keep-checking', death: 'keep-checking', update: 'keep-checking' },
  UPLOAD_PENDING: { birth: 'keep-checking', death: 'keep-checking', update: 'keep-checking' },
  AWAITING_INFORMATION: { birth: 'keep-checking', death: 'keep-checking', update: 'keep-checking' },
  UIN_GENERATED: { birth: 'needs-attention', death: 'finish', update: 'finish' },
  PROCESSED: { birth: 'needs-attention', death: 'finish', update: 'finish' },
  REJECTED: { birth: 'fail', death: 'fail', update: 'fail' },
  REPROCESS_FAILED: { birth: 'fail', death: 'fail', update: 'fail' },
  RESEND: { birth: 'resubmit', death: 'resubmit', update: 'resubmit' },
  REREGISTER: { birth: 'resubmit', death: 'resubmit', update: 'resubmit' },
  SOME_FUTURE_STATUS: { birth: 'keep-checking', death: 'keep-checking', update: 'keep-checking' }
}

describe('decideReconciliation of a submitted registration', () => {
  it('covers every external status MOSIP defines', () => {
    for (const status of mosipExternalStatusCodeSchema.options) {
      assert.ok(status in EXPECTED, `${status} has an expected decision`)
    }
  })

  for (const [status, byKind] of Object.entries(EXPECTED)) {
    for (const kind of KINDS) {
      it(`${status} for a ${kind} → ${byKind[kind]}`, () => {
        assert.equal(decide(kind, { status }).action, byKind[kind])
      })
    }
  }

  it('fails with MOSIP status as the reason', () => {
    for (const kind of KINDS) {
      assert.deepEqual(decide(kind, { status: 'REJECTED' }), {
        action: 'fail',
        code: 'MOSIP_REJECTED',
        status: 'REJECTED',
        reason: 'MOSIP ended processing of the packet with status REJECTED'
      })
      assert.deepEqual(decide(kind, { status: 'REPROCESS_FAILED' }), {
        action: 'fail',
        code: 'MOSIP_REPROCESS_FAILED',
        status: 'REPROCESS_FAILED',
        reason: 'MOSIP ended processing of the packet with status REPROCESS_FAILED'
      })
    }
  })

  it('confirms a death and completes an update that MOSIP processed', () => {
    assert.deepEqual(decide('death', { status: 'UIN_GENERATED' }), {
      action: 'finish',
      state: 'confirmed',
      status: 'UIN_GENERATED',
      reason: 'MOSIP reports the death UIN_GENERATED'
    })
    assert.deepEqual(decide('update', { status: 'PROCESSED' }), {
      action: 'finish',
      state: 'completed',
      status: 'PROCESSED',
      reason: 'MOSIP reports the update PROCESSED'
    })
  })

  it('hands a processed birth without a credential to an operator', () => {
    for (const status of ['UIN_GENERATED', 'PROCESSED']) {
      const decision = decide('birth', { status })
      assert.equal(decision.action, 'needs-attention')
      if (decision.action === 'needs-attention') {
        assert.equal(decision.code, 'MOSIP_ISSUED_NO_CREDENTIAL')
        assert.match(decision.reason, /ID was issued, but no credential arrived/)
      }
    }
  })

  it('resubmits on RESEND, REREGISTER and an unknown id while under the limit, then asks an operator', () => {
    const cases: Array<[MosipStatusAnswer, string, string]> = [
      [{ status: 'RESEND' }, 'RESEND', 'MOSIP_KEEPS_ASKING_RESEND'],
      [{ status: 'REREGISTER' }, 'REREGISTER', 'MOSIP_KEEPS_ASKING_RESEND'],
      [{ unknown: true }, 'UNKNOWN_ID', 'MOSIP_KEEPS_NOT_KNOWING_ID']
    ]
    for (const kind of KINDS) {
      for (const [answer, cause, attention] of cases) {
        for (const resubmissions of [0, 1, 2]) {
          const decision = decide(kind, answer, { resubmissions })
          assert.equal(decision.action, 'resubmit', `${kind} ${cause} after ${resubmissions}`)
          if (decision.action === 'resubmit') {
            assert.equal(decision.cause, cause)
            assert.equal(decision.resubmission, resubmissions + 1)
          }
        }
        for (const resubmissions of [3, 4]) {
          const decision = decide(kind, answer, { resubmissions })
          assert.equal(
            decision.action,
            'needs-attention',
            `${kind} ${cause} after ${resubmissions}`
          )
          if (decision.action === 'needs-attention') {
            assert.equal(decision.code, attention)
            assert.match(decision.reason, new RegExp(`after ${resubmissions} resubmission`))
          }
        }
      }
    }
  })

  it('never resubmits with a limit of 0', () => {
    const decision = decideReconciliation(
      {
        kind: 'birth',
        state: 'submitted',
        credentialArrived: false,
        resubmissions: 0,
        answer: { status: 'RESEND' }
      },
      { ...SETTINGS, resubmitLimit: 0 }
    )
    assert.equal(decision.action, 'needs-attention')
  })
})

describe('decideReconciliation leaves what does not wait on MOSIP', () => {
  const answers: MosipStatusAnswer[] = [
    ...mosipExternalStatusCodeSchema.options.map((status) => ({ status })),
    { unknown: true }
  ]

  it('every state but submitted, whatever MOSIP says', () => {
    for (const state of REGISTRATION_STATES.filter((s) => s !== 'submitted')) {
      for (const kind of KINDS) {
        for (const answer of answers) {
          const decision = decide(kind, answer, { state })
          assert.equal(decision.action, 'leave', `${state} ${kind} ${answerLabel(answer)}`)
          if (decision.action === 'leave') assert.match(decision.reason, new RegExp(state))
        }
      }
    }
  })

  it('a submitted registration whose credential has arrived', () => {
    for (const kind of KINDS) {
      for (const answer of answers) {
        assert.equal(decide(kind, answer, { credentialArrived: true }).action, 'leave')
      }
    }
  })
})

describe('checking intervals', () => {
  it('grow as interval × 2^n while the answer stays the same, capped at the maximum', () => {
    const settings = { intervalMs: 300_000, maxIntervalMs: 21_600_000 }
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 100, 10_000].map((n) => nextCheckDelayMs(n, settings)),
      [
        300_000, 600_000, 1_200_000, 2_400_000, 4_800_000, 9_600_000, 19_200_000, 21_600_000,
        21_600_000, 21_600_000
      ]
    )
    assert.equal(nextCheckDelayMs(-1, settings), 300_000)
    assert.equal(nextCheckDelayMs(3, { intervalMs: 2000, maxIntervalMs: 2000 }), 2000)
  })

  it('count the checks that brought the same answer, and start again when it changes', () => {
    let previous: ReconcileInput['previous']
    const delays: number[] = []
    for (const status of ['RECEIVED', 'PROCESSING', 'PROCESSING', 'PROCESSING', 'RECEIVED']) {
      const decision = decide('death', { status }, previous ? { previous } : {})
      assert.equal(decision.action, 'keep-checking')
      if (decision.action !== 'keep-checking') return
      delays.push(decision.nextCheckInMs)
      previous = { answer: status, unchangedChecks: decision.unchangedChecks }
    }
    assert.deepEqual(delays, [300_000, 300_000, 600_000, 1_200_000, 300_000])
  })

  it('label an unknown id with MOSIP error code', () => {
    assert.equal(answerLabel({ unknown: true }), 'RPR-RGS-031')
    assert.equal(answerLabel({ status: 'PROCESSING' }), 'PROCESSING')
  })
})
