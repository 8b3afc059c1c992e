// A separate mqtt.js client that watches callwarden/<node>/# the way an ops dashboard would.

import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  payload: string;
  /** True only for messages the broker replays from its retained store at subscribe time. */
  retain: boolean;
}

type Waiter = { test: (m: Received, index: number) => boolean; resolve: (i: number) => void };

export class OpsSubscriber {
  readonly messages: Received[] = [];
  private cursor = 0;
  private waiters: Waiter[] = [];
  private readonly seenTopics = new Set<string>();

  private constructor(
    readonly client: MqttClient,
    readonly filter: string,
  ) {
    client.on('message', (topic, payload, packet) => {
      const message = { topic, payload: payload.toString('utf8'), retain: packet.retain };
      this.seenTopics.add(topic);
      this.messages.push(message);
      const index = this.messages.length - 1;
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(message, index)) return true;
        w.resolve(index);
        return false;
      });
    });
  }

  /** Connects and subscribes (QoS 1); throws if the broker cannot be reached within timeoutMs. */
  static async connect(url: string, filter: string, timeoutMs = 5000, auth: { username?: string; password?: string } = {}): Promise<OpsSubscriber> {
    const client = await mqtt.connectAsync(url, {
      ...auth,
      clientId: `cw-ops-${randomBytes(4).toString('hex')}`,
      protocolVersion: 4,
      reconnectPeriod: 50,
      connectTimeout: timeoutMs,
    });
    const ops = new OpsSubscriber(client, filter);
    await client.subscribeAsync(filter, { qos: 1 });
    return ops;
  }

  /** The first message after the cursor that matches; moves the cursor past it. */
  async next(test: (m: Received) => boolean, what: string, timeoutMs = 5000): Promise<Received> {
    const index = await this.find(this.cursor, test, what, timeoutMs);
    this.cursor = index + 1;
    return this.messages[index];
  }

  /** The first matching message of all received so far (or still to come); the cursor stays. */
  async waitFor(test: (m: Received) => boolean, what: string, timeoutMs = 5000): Promise<Received> {
    return this.messages[await this.find(0, test, what, timeoutMs)];
  }

  /** The next message on this topic (whatever it says). */
  nextOn(topic: string, timeoutMs = 5000): Promise<Received> {
    return this.next((m) => m.topic === topic, `a message on ${topic}`, timeoutMs);
  }

  /**
   * Proves that the broker has sent everything it had for our subscription so far: a marker
   * published by this client on a topic we subscribe to comes back after anything queued before it.
   */
  async roundTrip(markerTopic: string, timeoutMs = 5000): Promise<void> {
    const token = randomBytes(6).toString('hex');
    const arrived = this.find(this.messages.length, (m) => m.topic === markerTopic && m.payload === token, 'marker', timeoutMs);
    await this.client.publishAsync(markerTopic, token, { qos: 1 });
    await arrived;
  }

  /** Deletes every retained message this subscriber saw, so nothing of the run stays on the broker. */
  async clearRetained(): Promise<void> {
    for (const topic of this.seenTopics) await this.client.publishAsync(topic, '', { qos: 1, retain: true });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }

  private find(from: number, test: (m: Received) => boolean, what: string, timeoutMs: number): Promise<number> {
    for (let i = from; i < this.messages.length; i++) if (test(this.messages[i])) return Promise.resolve(i);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        test: (m, index) => index >= from && test(m),
        resolve: (i) => {
          clearTimeout(timer);
          resolve(i);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const tail = this.messages.slice(-5).map((m) => `${m.topic} ${m.payload.slice(0, 120)}`);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last messages:\n  ${tail.join('\n  ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
