// The typed MQTT options and the one decision they drive: off, an external broker, or the embedded one.

export interface EmbeddedBrokerSettings {
  enabled: boolean;
  host: string;
  port: number;
}

export interface MqttOptions {
  /** mqtt://[user:pass@]host:port, mqtts://…, ws://…; "off" disables MQTT; unset means the embedded broker. */
  url?: string;
  username?: string;
  password?: string;
  /** Defaults to callwarden-<node>: a restarted daemon takes over its own stale session. */
  clientId?: string;
  /** This daemon's name: one topic level under callwarden/. */
  node: string;
  embedded?: EmbeddedBrokerSettings;
  /** Wait between reconnect attempts (default 1000). */
  reconnectPeriodMs?: number;
}

export const DEFAULT_EMBEDDED: EmbeddedBrokerSettings = { enabled: true, host: '127.0.0.1', port: 1884 };

export type MqttTarget =
  | { kind: 'off'; reason: string }
  | { kind: 'external'; url: string }
  | { kind: 'embedded'; host: string; port: number };

export function resolveMqttTarget(options: MqttOptions): MqttTarget {
  const url = options.url?.trim();
  if (url && url.toLowerCase() === 'off') return { kind: 'off', reason: 'mqtt.url is "off"' };
  if (url) return { kind: 'external', url };
  const embedded = { ...DEFAULT_EMBEDDED, ...options.embedded };
  if (!embedded.enabled) return { kind: 'off', reason: 'no mqtt.url is set and the embedded broker is disabled' };
  return { kind: 'embedded', host: embedded.host, port: embedded.port };
}

/** The URL without user and password, for log lines and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, '//');
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}
