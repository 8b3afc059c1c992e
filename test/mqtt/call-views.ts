// Call views and helpers shared by the MQTT tests.

import { randomBytes, randomUUID } from 'node:crypto';
import type { CallView } from '../../src/mqtt/call-view';

const RUN = randomBytes(3).toString('hex');
let counter = 0;

/** A node name no other test or run uses, so retained messages never leak between them. */
export function uniqueNode(): string {
  counter += 1;
  return `cwtest-${RUN}-${counter}`;
}

export function callView(overrides: Partial<CallView> = {}): CallView {
  return {
    callId: randomUUID(),
    direction: 'inbound',
    caller: { number: '+493012345678', name: 'Erika Mustermann' },
    destination: '4930555100',
    group: 'sales',
    agentExtension: '1001',
    answeredAt: new Date('2026-11-22T10:00:00Z'),
    bridgedAt: null,
    recording: { state: 'off', channels: null, segment: 0, masked: false },
    consent: 'not-asked',
    monitors: [],
    ...overrides,
  };
}

export function json(payload: string): Record<string, unknown> {
  return JSON.parse(payload) as Record<string, unknown>;
}
