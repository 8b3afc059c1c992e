// The brokers the MQTT suite runs against: embedded aedes always, Mosquitto when CALLWARDEN_TEST_MQTT_URL is set.

import mqtt from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/mqtt/embedded-broker';
import { redactUrl } from '../../src/mqtt/mqtt-options';

export const MQTT_URL_ENV = 'CALLWARDEN_TEST_MQTT_URL';

export interface TestBroker {
  name: string;
  url: string;
  host: string;
  port: number;
  /** What a publisher presents (the embedded broker refuses publishes without it). */
  publisher: { username?: string; password?: string };
  /** Stops the broker and starts a fresh one on the same port (embedded only: the system Mosquitto is not ours). */
  restart?: () => Promise<void>;
  close(): Promise<void>;
}

export interface TestBrokerDefinition {
  name: string;
  /** The started broker offers restart(). */
  canRestart: boolean;
  start(): Promise<TestBroker>;
}

function embeddedDefinition(): TestBrokerDefinition {
  return {
    name: 'embedded aedes broker',
    canRestart: true,
    start: async () => {
      let broker: EmbeddedBroker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
      const port = broker.port;
      const credentials = broker.publisher;
      return {
        name: 'embedded aedes broker',
        url: broker.url,
        host: '127.0.0.1',
        port,
        publisher: credentials,
        restart: async () => {
          await broker.close();
          // The same credentials, as a daemon restarted with its broker would not (tests need the publisher to reconnect).
          broker = await startEmbeddedBroker({ host: '127.0.0.1', port, credentials });
        },
        close: () => broker.close(),
      };
    },
  };
}

function mosquittoDefinition(url: string): TestBrokerDefinition {
  const name = `Mosquitto at ${redactUrl(url)}`;
  return {
    name,
    canRestart: false,
    start: async () => {
      // Never a skip: a configured broker that cannot be reached is a failed run (CI must notice).
      try {
        const probe = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 });
        await probe.endAsync();
      } catch (err) {
        throw new Error(`${name} is not reachable (${MQTT_URL_ENV} is set): ${(err as Error).message}`);
      }
      const parsed = new URL(url);
      return { name, url, host: parsed.hostname, port: Number(parsed.port || 1883), publisher: {}, close: async () => undefined };
    },
  };
}

/** Embedded always; Mosquitto only when the variable is set (then a connection failure fails the suite). */
export function testBrokers(): TestBrokerDefinition[] {
  const definitions = [embeddedDefinition()];
  const url = process.env[MQTT_URL_ENV];
  if (url) definitions.push(mosquittoDefinition(url));
  else {
    console.log(
      `Mosquitto MQTT suite not run: set ${MQTT_URL_ENV}=mqtt://127.0.0.1:1883 to run it against a real broker as well.`,
    );
  }
  return definitions;
}
