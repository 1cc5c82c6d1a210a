import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  aggregateActionDeclarations,
  declarationWithPendingAction,
  deepMerge,
  findPendingAction,
  pendingActions,
  registrationNumberOf
} from '../src/index.js'
import {
  REGISTER_ACTION_ID,
  approveCorrectionTrigger,
  birthWithVerifiedMother,
  registerTrigger
} from './fixtures/event-documents.js'

describe('deepMerge (the toolkit semantics)', () => {
  it('merges objects, replaces arrays, keeps a value against undefined, lets null override', () => {
    const a = { name: { firstname: 'Ada', surname: 'Banda' }, list: [1, 2], keep: 'x', clear: 'y' }
    const b = { name: { surname: 'Phiri' }, list: [3], keep: undefined, clear: null }
    assert.deepEqual(deepMerge(a, b), {
      name: { firstname: 'Ada', surname: 'Phiri' },
      list: [3],
      keep: 'x',
      clear: null
    })
    assert.deepEqual(a.name, { firstname: 'Ada', surname: 'Banda' }, 'inputs are not modified')
  })
})

describe('the pending action and its declaration', () => {
  it('finds the Requested REGISTER and merges what the registrar changed', () => {
    const event = registerTrigger({
      declaration: birthWithVerifiedMother(),
      registerDeclaration: {
        'child.name': { firstname: 'Adaeze' },
        'informant.email': 'new@example.org'
      }
    })
    const pending = declarationWithPendingAction(event)
    assert.equal(pending?.action.id, REGISTER_ACTION_ID)
    assert.deepEqual(pending?.declaration['child.name'], {
      firstname: 'Adaeze',
      middlename: 'K',
      surname: 'Banda'
    })
    assert.equal(pending?.declaration['informant.email'], 'new@example.org')
    assert.equal(
      aggregateActionDeclarations(event)['informant.email'],
      'grace@example.org',
      'the aggregate alone ignores the pending action'
    )
  })

  it('takes the newest pending action when an earlier failed trigger left one behind', () => {
    const event = registerTrigger({ declaration: birthWithVerifiedMother() })
    const dangling = { ...event.actions[3]!, id: 'dangling', createdAt: '2026-11-29T09:10:00.000Z' }
    event.actions.splice(3, 0, dangling)
    assert.equal(pendingActions(event).length, 2)
    assert.equal(findPendingAction(event)?.id, REGISTER_ACTION_ID)
  })

  it('has nothing pending once the action is confirmed', () => {
    const event = approveCorrectionTrigger()
    event.actions.pop()
    assert.equal(findPendingAction(event), undefined)
    assert.equal(declarationWithPendingAction(event), undefined)
  })

  it('reads an approved correction: the corrected values and the national id written on accept', () => {
    const event = approveCorrectionTrigger()
    const pending = declarationWithPendingAction(event)
    assert.equal(pending?.action.type, 'APPROVE_CORRECTION')
    assert.deepEqual(pending?.declaration['child.name'], {
      firstname: 'Adaeze',
      middlename: 'K',
      surname: 'Banda'
    })
    assert.equal(pending?.declaration['child.nid'], '4826159370')
    assert.equal(registrationNumberOf(event), 'PD9TL0RL12RO')
    assert.deepEqual(
      aggregateActionDeclarations(event)['child.name'],
      { firstname: 'Ada', middlename: 'K', surname: 'Banda' },
      'a correction counts only once approved'
    )
  })

  it('counts an approved correction in the aggregate', () => {
    const event = approveCorrectionTrigger()
    const approve = event.actions[event.actions.length - 1]!
    event.actions.push({
      ...approve,
      id: 'approval-confirmation',
      status: 'Accepted',
      originalActionId: approve.id,
      createdAt: '2026-11-29T09:50:00.000Z',
      declaration: { 'child.nid': '9999999999' }
    })
    const aggregate = aggregateActionDeclarations(event)
    assert.equal((aggregate['child.name'] as { firstname: string }).firstname, 'Adaeze')
    assert.equal(aggregate['child.nid'], '9999999999')
  })

  it('has no registration number before registration', () => {
    assert.equal(
      registrationNumberOf(registerTrigger({ declaration: birthWithVerifiedMother() })),
      undefined
    )
  })
})
