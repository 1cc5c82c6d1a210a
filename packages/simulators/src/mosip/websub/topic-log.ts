/**
 * The hub's topics, kept like Kafka topics: every message stays at its offset, in publishing
 * order, and subscribers read from their own committed offset.
 */
import type { WebsubTopicView } from './hub-types.js'

export interface StoredMessage {
  offset: number
  /** The bytes delivered (Ballerina serialisation). */
  body: string
  eventId: string | undefined
  publishedAt: number
}

interface TopicLog {
  /** The Kafka name of the topic (see `kafkaName`). */
  name: string
  registered: boolean
  messages: StoredMessage[]
}

/** The hub's Kafka names: every non-alphanumeric character becomes `_` (so `a/b` and `a_b` share). */
export function kafkaName(name: string): string {
  return name.replace(/[^a-zA-Z0-9]/g, '_')
}

export class TopicLogs {
  private readonly logs = new Map<string, TopicLog>()

  /** The log of a topic (looked up by its Kafka name), if the hub has seen the topic. */
  get(topic: string): TopicLog | undefined {
    return this.logs.get(kafkaName(topic))
  }

  /** The log of a topic, created when new; either way the topic ends up registered. */
  ensure(topic: string): TopicLog {
    const name = kafkaName(topic)
    let log = this.logs.get(name)
    if (!log) {
      log = { name, registered: true, messages: [] }
      this.logs.set(name, log)
    }
    log.registered = true
    return log
  }

  /** Appends a message to a topic (registering the topic if new) and returns its offset. */
  append(topic: string, body: string, eventId: string | undefined): number {
    const log = this.ensure(topic)
    const offset = log.messages.length
    log.messages.push({ offset, body, eventId, publishedAt: Date.now() })
    return offset
  }

  views(): WebsubTopicView[] {
    return [...this.logs.values()].map((log) => ({
      topic: log.name,
      registered: log.registered,
      messages: log.messages.length
    }))
  }
}
