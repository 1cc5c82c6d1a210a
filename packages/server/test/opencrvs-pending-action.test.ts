import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  asEventDocument,
  confirmationOf,
  findPendingAction,
  settlementOf,
  unconfirmedRequests,
  type EventActionLike,
  type EventDocumentLike
} from '../src/core/pending-action.js'

const event = (actions: EventActionLike[], type = 'birth'): EventDocumentLike => ({
  id: 'event-1',
  type,
  actions: [{ id: 'create', type: 'CREATE', status: 'Accepted' }, ...actions]
})

describe('findPendingAction', () => {
  it('finds the one Requested action', () => {
    assert.deepEqual(
      findPendingAction(event([{ id: 'r1', type: 'REGISTER', status: 'Requested' }])),
      {
        kind: 'one',
        action: { actionId: 'r1', actionType: 'REGISTER', eventType: 'birth' }
      }
    )
  })

  it('finds none on a record without Requested actions', () => {
    assert.deepEqual(findPendingAction(event([{ id: 'd', type: 'DECLARE', status: 'Accepted' }])), {
      kind: 'none'
    })
  })

  it('finds none once the Requested action was accepted or rejected', () => {
    for (const status of ['Accepted', 'Rejected']) {
      const document = event([
        { id: 'r1', type: 'REGISTER', status: 'Requested' },
        { id: 'c1', type: 'REGISTER', status, originalActionId: 'r1' }
      ])
      assert.deepEqual(findPendingAction(document), { kind: 'none' }, status)
    }
  })

  it('ignores a Requested action that only points at another one', () => {
    const document = event([
      { id: 'r1', type: 'REGISTER', status: 'Requested' },
      { id: 'r2', type: 'REGISTER', status: 'Requested', originalActionId: 'r1' }
    ])
    assert.equal(findPendingAction(document).kind, 'several')
  })

  it('reports several pending actions, unless the preferred one is among them', () => {
    const document = event([
      { id: 'r1', type: 'REGISTER', status: 'Requested' },
      { id: 'r2', type: 'REGISTER', status: 'Requested' }
    ])
    assert.deepEqual(findPendingAction(document), { kind: 'several', actionIds: ['r1', 'r2'] })
    assert.deepEqual(findPendingAction(document, { preferActionId: 'r2' }), {
      kind: 'one',
      action: { actionId: 'r2', actionType: 'REGISTER', eventType: 'birth' }
    })
    assert.equal(findPendingAction(document, { preferActionId: 'other' }).kind, 'several')
  })

  it('carries the requestId of APPROVE_CORRECTION and the event type', () => {
    const document = event(
      [
        { id: 'reg', type: 'REGISTER', status: 'Accepted' },
        { id: 'req', type: 'REQUEST_CORRECTION', status: 'Accepted' },
        { id: 'app', type: 'APPROVE_CORRECTION', status: 'Requested', requestId: 'req' }
      ],
      'death'
    )
    assert.deepEqual(findPendingAction(document), {
      kind: 'one',
      action: {
        actionId: 'app',
        actionType: 'APPROVE_CORRECTION',
        eventType: 'death',
        requestId: 'req'
      }
    })
  })
})

describe('event document helpers', () => {
  it('finds the confirmation of an action', () => {
    const actions: EventActionLike[] = [
      { id: 'r1', type: 'REGISTER', status: 'Requested' },
      { id: 'x', type: 'READ', status: 'Accepted' },
      { id: 'c1', type: 'REGISTER', status: 'Accepted', originalActionId: 'r1' }
    ]
    assert.equal(confirmationOf(actions, 'r1')?.id, 'c1')
    assert.equal(confirmationOf(actions, 'x'), undefined)
    assert.deepEqual(unconfirmedRequests(actions), [])
  })

  it('narrows untrusted values to an event document', () => {
    assert.equal(asEventDocument(null), undefined)
    assert.equal(asEventDocument({ id: 'e', type: 'birth' }), undefined)
    assert.equal(asEventDocument({ id: 1, type: 'birth', actions: [] }), undefined)
    const document = asEventDocument({
      id: 'e',
      type: 'birth',
      trackingId: 'B7X2KQ',
      actions: [{ id: 'a', type: 'CREATE', status: 'Accepted' }, null, { id: 2 }]
    })
    assert.deepEqual(document, {
      id: 'e',
      type: 'birth',
      trackingId: 'B7X2KQ',
      actions: [{ id: 'a', type: 'CREATE', status: 'Accepted' }]
    })
  })
})

describe('settlementOf', () => {
  const actions: EventActionLike[] = [
    { id: 'req-1', type: 'REGISTER', status: 'Requested', transactionId: 'core-tx' },
    {
      id: 'acc-1',
      type: 'REGISTER',
      status: 'Accepted',
      transactionId: 'core-tx',
      originalActionId: 'req-1'
    },
    { id: 'req-2', type: 'REGISTER', status: 'Requested', transactionId: 'core-tx-2' },
    {
      id: 'rej-2',
      type: 'REGISTER',
      status: 'Rejected',
      transactionId: 'mosip-interop-2',
      originalActionId: 'req-2'
    }
  ]

  it('finds the confirmation of our action, whoever wrote it', () => {
    assert.equal(settlementOf(actions, { actionId: 'req-1', transactionId: 'x' })?.id, 'acc-1')
  })

  it('falls back to our transaction id when the action is unknown', () => {
    assert.equal(
      settlementOf(actions, { actionId: null, transactionId: 'mosip-interop-2' })?.id,
      'rej-2'
    )
    assert.equal(settlementOf(actions, { actionId: 'req-9', transactionId: 'x' }), undefined)
  })

  it('never takes a Requested action for a settlement', () => {
    assert.equal(settlementOf(actions, { actionId: null, transactionId: 'core-tx-2' }), undefined)
  })
})
