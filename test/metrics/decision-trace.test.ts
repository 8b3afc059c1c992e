// The decision trace (src/metrics/decision-trace.ts): a recorded call's marks reach a subscriber
// of the diagnostics channel in the order they happen, ending with the gate before uuid_record.

import { expect } from 'chai';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DECISION_CHANNEL, type DecisionMark } from '../../src/metrics/decision-trace';
import { consentedAndRecording, hotline, startHarness, type Harness } from '../calls/call-harness';

describe('metrics: decision trace', () => {
  let h: Harness;
  const marks: DecisionMark[] = [];
  const listen = (message: unknown): void => void marks.push(message as DecisionMark);
  beforeEach(() => {
    marks.length = 0;
    subscribe(DECISION_CHANNEL, listen);
  });
  afterEach(async () => {
    unsubscribe(DECISION_CHANNEL, listen);
    await h?.stop();
  });

  it("marks a recorded call's event, decision and recording gate, the gate opening last", async () => {
    h = await startHarness({ recording: { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } } });
    const call = await consentedAndRecording(h, '1');
    const steps = marks.filter((m) => m.callId === call.uuid).map((m) => m.step);
    expect(steps).to.include.members(['event', 'decided', 'gate', 'gated']);
    const gate = steps.indexOf('gate');
    expect(steps.slice(0, gate)).to.include.members(['event', 'decided']);
    expect(steps[gate + 1]).to.equal('gated');
  });
});
