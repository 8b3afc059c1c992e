// The daemon's configuration for tests: defaults, the simulator's port, in-memory store, MQTT off.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultsWith, merge, type CallwardenConfig, type DeepPartial } from '../../src/config';

/** A fixed test key (never a real one): ≥ 32 bytes. */
export const TEST_EVIDENCE_KEY = 'callwarden-test-evidence-key-0123456789abcdef';

export function testConfig(eslPort: number, overrides: DeepPartial<CallwardenConfig> = {}): CallwardenConfig {
  const base: DeepPartial<CallwardenConfig> = {
    node: 'callwarden-test',
    esl: { port: eslPort, commandTimeoutMs: 2000, connectTimeoutMs: 2000, reconnect: { initialMs: 10, maxMs: 50 } },
    outbound: { port: 0 },
    store: { filename: ':memory:', outboxDir: tmpOutbox() },
    // Sealed and anchored like production, so every daemon test exercises the seal.
    evidence: { key: TEST_EVIDENCE_KEY, currentKeyId: 'test', requireKey: true, anchorFile: join(tmpOutbox(), 'anchors.jsonl') },
    mqtt: { url: 'off' },
    log: { level: 'warn' },
  };
  return defaultsWith(merge(base, overrides) as DeepPartial<CallwardenConfig>);
}

/** A fresh outbox directory per daemon, so tests never share queued writes. */
export function tmpOutbox(): string {
  return mkdtempSync(join(tmpdir(), 'callwarden-outbox-'));
}
