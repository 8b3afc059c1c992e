// Starts the MQTT layer from typed options: disabled, an external broker, or an embedded one.

/*
 * Why MQTT starts the way it does (copy for the README):
 *
 * - `make run` must work on a fresh machine with no broker installed, and ops must still be able
 *   to watch calls. So when no `mqtt.url` is configured, callwarden starts an EMBEDDED broker
 *   (aedes, in-process) and publishes to it. It listens on 127.0.0.1 only: call states carry
 *   phone numbers and names (personal data under GDPR) and anyone who can connect may
 *   subscribe, so it must not be reachable from the network by default. Only the daemon may
 *   publish (credentials generated per run; its client id is reserved), packets are limited
 *   in size and retained messages in number and bytes. Its default port is
 *   1884, not 1883, so it never collides with a system Mosquitto that may already run on the
 *   box; one log line says where to subscribe.
 * - Production sets `mqtt.url` (mqtt://user:pass@broker:1883, mqtts://…) and the embedded broker
 *   is never loaded. Credentials may sit in the URL or in username/password; no log line shows them.
 * - `mqtt.url: "off"` disables MQTT entirely (one log line says so); the daemon records and coaches
 *   exactly the same, only the live view for ops is missing.
 * - MQTT is the ops view, never on the recording path: a broker that is down, slow or refusing us
 *   never blocks a call. Messages wait in an in-memory queue (bounded) and are delivered, in order,
 *   when the broker returns; a restarted daemon does not replay what a crashed one had queued.
 * - Call states are retained so a dashboard opened later sees every live call at once; an ended call
 *   is cleared with an empty retained message, a clean shutdown clears the calls still tracked, and
 *   after each connect the daemon clears retained calls it does not know (left by a killed
 *   process). The Last Will marks a daemon that vanished as offline. Identical states are not
 *   published twice.
 * - The embedded broker keeps retained messages in memory, so it forgets call states when the
 *   daemon restarts — which is right, because those calls are no longer tracked either.
 * - If the embedded port is taken (a second daemon on the same machine), MQTT is disabled with an
 *   error line rather than stopping the daemon; set mqtt.url or mqtt.embedded.port to fix it.
 */

import { logger as rootLogger, type Logger } from '../logger';
import type { CallPublisher } from './call-view';
import { disabledPublisher } from './disabled-publisher';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker';
import { MqttPublisher, type MqttPublisherOptions } from './mqtt-publisher';
import { isLoopback, resolveMqttTarget, type MqttOptions } from './mqtt-options';
import { assertNodeName, TOPIC_ROOT } from './mqtt-topics';

export interface MqttHandle {
  mode: 'off' | 'external' | 'embedded';
  /** What the daemon publishes through (no-ops when MQTT is off). */
  publisher: CallPublisher;
  /** The real publisher when MQTT is on: connection state and pending count for health. */
  mqttPublisher: MqttPublisher | null;
  embedded: EmbeddedBroker | null;
  /** Publisher first (so "offline" reaches the broker), then the embedded broker. */
  close(): Promise<void>;
}

export interface StartMqttDeps {
  logger?: Logger;
  /** Extra publisher settings (timeouts, queue sizes); tests shorten them. */
  publisher?: Partial<Omit<MqttPublisherOptions, 'url' | 'node' | 'username' | 'password' | 'clientId'>>;
}

export async function startMqtt(options: MqttOptions, deps: StartMqttDeps = {}): Promise<MqttHandle> {
  assertNodeName(options.node);
  const log = (deps.logger ?? rootLogger).child({ module: 'mqtt' });
  const target = resolveMqttTarget(options);
  if (target.kind === 'off') {
    log.info(`MQTT disabled (${target.reason}): call states are not published`);
    return off();
  }

  let embedded: EmbeddedBroker | null = null;
  let url: string;
  let publisherCredentials: { username: string; password: string } | undefined;
  if (target.kind === 'embedded') {
    if (!isLoopback(target.host)) {
      log.warn(`MQTT embedded broker listens on ${target.host}: anyone who reaches it may subscribe to call data`);
    }
    try {
      // Only the daemon may publish: its client id is reserved and its credentials are made per run.
      embedded = await startEmbeddedBroker({
        host: target.host,
        port: target.port,
        reservedClientIds: [options.clientId || `callwarden-${options.node}`],
        logger: deps.logger ?? rootLogger,
      });
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      log.error(
        `MQTT disabled: embedded broker could not listen on ${target.host}:${target.port} (${reason}); set mqtt.url or mqtt.embedded.port`,
      );
      return off();
    }
    url = embedded.url;
    publisherCredentials = embedded.publisher;
    const host = target.host.includes(':') ? `'${target.host}'` : target.host;
    log.info(
      `MQTT embedded broker on ${target.host}:${embedded.port}; watch calls with: mosquitto_sub -h ${host} -p ${embedded.port} -t '${TOPIC_ROOT}/#' -v`,
    );
  } else {
    url = target.url;
  }

  const publisher = new MqttPublisher({
    ...deps.publisher,
    url,
    node: options.node,
    // Config files use "" for "not set"; an empty username would still be sent to the broker.
    username: publisherCredentials?.username ?? (options.username || undefined),
    password: publisherCredentials?.password ?? (options.password || undefined),
    clientId: options.clientId || undefined,
    reconnectPeriodMs: options.reconnectPeriodMs ?? deps.publisher?.reconnectPeriodMs,
    logger: deps.logger,
  });
  let closing: Promise<void> | null = null;
  return {
    mode: target.kind,
    publisher,
    mqttPublisher: publisher,
    embedded,
    close: () => {
      closing ??= (async () => {
        try {
          await publisher.close();
        } finally {
          await embedded?.close();
        }
      })();
      return closing;
    },
  };
}

function off(): MqttHandle {
  return { mode: 'off', publisher: disabledPublisher, mqttPublisher: null, embedded: null, close: async () => undefined };
}
