import type { WebsubSelector } from './hub-types.js'

/** Whether a selector names this (topic, callback) pair; omitted fields match anything. */
export function matchesSelector(
  selector: WebsubSelector,
  topic: string,
  callback: string
): boolean {
  return (
    (selector.topic === undefined || selector.topic === topic) &&
    (selector.callback === undefined || selector.callback === callback)
  )
}
