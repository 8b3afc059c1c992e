// Clears retained call states that no running daemon owns any more (left by a crash or a lost "clear").

import type { MqttClient } from 'mqtt';
import type { Logger } from '../logger';

export interface StaleCallSweepOptions {
  client: MqttClient;
  /** callwarden/<node>/calls/+ */
  filter: string;
  /** How long after SUBACK retained messages are still accepted as "what the broker had". */
  windowMs: number;
  isLive(topic: string): boolean;
  clear(topic: string): void;
  log: Logger;
}

/**
 * A daemon that crashed (or was killed) never cleared its calls: their retained states would show
 * on every dashboard forever. So after each connect we subscribe to our own calls for a short
 * window: the broker replays what it has retained (retain flag set — live traffic, including our
 * own publishes echoed back, has it cleared), and whatever we do not know as live is cleared.
 * A call still running that we simply have not published yet is cleared and then published again
 * as soon as we do; that costs one extra message, never a wrong state. Node names must be unique
 * per daemon for this (they already are for the topics and the client id).
 * The window is short and the subscription dropped afterwards, because MQTT 3.1.1 would otherwise
 * echo every call update back to us.
 */
export function sweepStaleCalls(options: StaleCallSweepOptions): () => void {
  const prefix = options.filter.slice(0, -1); // 'callwarden/<node>/calls/'
  let cleared = 0;
  let done = false;
  const onMessage = (topic: string, payload: Buffer, packet: { retain: boolean }): void => {
    if (done || !packet.retain || payload.length === 0 || !topic.startsWith(prefix)) return;
    if (topic.indexOf('/', prefix.length) !== -1 || options.isLive(topic)) return;
    cleared += 1;
    options.clear(topic);
  };
  let timer: NodeJS.Timeout | null = null;
  const finish = (): void => {
    if (done) return;
    done = true;
    if (timer) clearTimeout(timer);
    options.client.removeListener('message', onMessage);
    // Only on a live session: offline, mqtt.js would queue it, and a clean session forgot it anyway.
    if (options.client.connected) options.client.unsubscribe(options.filter, () => undefined);
    if (cleared > 0) options.log.info(`MQTT cleared ${cleared} stale call states left by an earlier run`);
  };
  options.client.on('message', onMessage);
  options.client.subscribe(options.filter, { qos: 1 }, (err) => {
    if (err) {
      // Mostly "connection closed": the next connect sweeps again.
      options.log.debug(`MQTT could not look for stale call states: ${err.message}`);
      finish();
      return;
    }
    timer = setTimeout(finish, options.windowMs);
    timer.unref();
  });
  return finish;
}
