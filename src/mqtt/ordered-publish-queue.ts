// A FIFO in front of mqtt.js that hands messages over only while the session is fully up, so order survives outages.

import type { MqttClient } from 'mqtt';
import type { Logger } from '../logger';

export interface QueuedMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

export interface OrderedPublishQueueOptions {
  /** Messages kept while the broker is away; beyond this the oldest are dropped (with a warning). */
  maxQueued: number;
  /** Handed to mqtt.js but not yet acknowledged; well below 65535 so packet ids never wrap onto themselves. */
  maxInFlight: number;
  log: Logger;
}

/**
 * Why not rely on mqtt.js's offline store alone: after a reconnect mqtt.js first replays its
 * in-flight store one message at a time, and anything published during that replay waits in a
 * side queue that is failed ("Connection closed") — i.e. lost — if the connection drops again
 * before the replay ends. A flapping broker is exactly when that happens. So we keep our own
 * queue and give mqtt.js a message only after its 'connect' event (emitted once the replay is
 * done); from then on every QoS 1 publish sits in mqtt.js's outgoing store until PUBACK and is
 * replayed, in order, after any later outage. Our queue + its store = one ordered pipe.
 */
export class OrderedPublishQueue {
  private items: QueuedMessage[] = [];
  private head = 0;
  /** A message of which only the latest version matters (the status); sent ahead of the queue. */
  private latest: QueuedMessage | null = null;
  private inFlight = 0;
  private open = false;
  private dropped = 0;
  private failed = 0;
  private drainWaiters: Array<() => void> = [];

  constructor(
    private readonly client: MqttClient,
    private readonly options: OrderedPublishQueueOptions,
  ) {}

  /** Messages not yet acknowledged by the broker (queued here or in flight). */
  get pending(): number {
    return this.items.length - this.head + this.inFlight + (this.latest ? 1 : 0);
  }

  get droppedCount(): number {
    return this.dropped;
  }

  push(message: QueuedMessage): void {
    this.items.push(message);
    this.trim();
    this.pump();
  }

  /**
   * Replaces any earlier "latest" message still waiting and goes ahead of the queue: after an
   * outage the status must be restated at once, not behind the backlog, and an older status sent
   * after a newer one would leave the wrong one retained.
   */
  pushLatest(message: QueuedMessage): void {
    this.latest = message;
    this.pump();
  }

  /** The session is up and mqtt.js has finished replaying its store: start handing over. */
  resume(): void {
    this.open = true;
    this.pump();
  }

  /** The connection is gone: keep everything here until the next resume(). */
  pause(): void {
    this.open = false;
  }

  /** Resolves true once everything was acknowledged, false if that did not happen within timeoutMs. */
  whenDrained(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.drainWaiters = this.drainWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.drainWaiters.push(done);
    });
  }

  private pump(): void {
    while (this.open && this.inFlight < this.options.maxInFlight) {
      const message = this.take();
      if (!message) break;
      this.inFlight += 1;
      this.client.publish(message.topic, message.payload, { qos: 1, retain: message.retain }, (err) => {
        this.inFlight -= 1;
        if (err) {
          // Only a forced end or a broker refusal gets here; mqtt.js keeps QoS 1 messages across outages.
          this.failed += 1;
          this.options.log.warn(`MQTT publish to ${message.topic} failed: ${err.message}`, { failed: this.failed });
        }
        this.pump();
      });
    }
    this.notifyIfDrained();
  }

  private take(): QueuedMessage | null {
    if (this.latest) {
      const message = this.latest;
      this.latest = null;
      return message;
    }
    if (this.head >= this.items.length) return null;
    const message = this.items[this.head];
    this.head += 1;
    // Drop consumed slots in bulk, not per message (shift() on a 50 000-entry array is O(n)).
    if (this.head >= 1024 && this.head * 2 >= this.items.length) this.compact();
    return message;
  }

  private notifyIfDrained(): void {
    if (this.pending !== 0 || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  private compact(): void {
    if (this.head === 0) return;
    this.items = this.items.slice(this.head);
    this.head = 0;
  }

  private trim(): void {
    const excess = this.items.length - this.head - this.options.maxQueued;
    if (excess <= 0) return;
    if (this.dropped === 0 || this.dropped % 1000 === 0) {
      this.options.log.warn(
        `MQTT broker away too long: dropping the oldest queued messages (limit ${this.options.maxQueued})`,
      );
    }
    this.dropped += excess;
    this.head += excess;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) this.compact();
  }
}
