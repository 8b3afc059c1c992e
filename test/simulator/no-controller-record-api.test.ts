// Conformance: no-controller/ (socket fails, socket_resume) and record-api/ (uuid_record from inbound).

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tracesAvailable } from '../support/traces';
import { startHarness, watchSawDestroy, type Harness } from './scenario-harness';
import { send } from './trace-driver';
import { expectSameFrames, summarize, traceFrames } from './trace-frames';

const RECORD_API_CALLER = 'd8332462-2bed-4548-9de0-c94784ccd5fb';

describe('simulator conformance: no-controller and record-api', function () {
  let h: Harness;
  before(function () {
    if (!tracesAvailable()) this.skip();
  });
  afterEach(() => h.close());

  it('no-controller: socket fails, socket_resume continues with a tone and hangup', async () => {
    h = await startHarness('no-controller', { outbound: false });
    const { sim } = h;
    const call = sim.placeCall({ from: '1000', name: 'sipp 1000', to: '5002' });
    await sim.until(() => call.caller.runningApp === 'playback', 'the fallback tone');
    await sim.advance(3000);
    await watchSawDestroy(h.watch, call.uuid);
    const expected = summarize(traceFrames('no-controller', 'watch-json')).filter((f) => f.type !== 'text/disconnect-notice');
    expectSameFrames(summarize(h.watch.frames), expected, 'watch-json');
  });

  it('record-api: uuid_record start, mask, unmask, stop over the inbound socket; a real stereo WAV', async () => {
    h = await startHarness('record-api', { watch: false });
    const { sim, watch } = h;
    const uuids = new Map<string, string>();
    let callUuid = '';
    await send(watch, 'record-api', 'watch-json', {
      uuids,
      beforeWait: async (_i, line) => {
        if (line.startsWith('api show channels')) {
          // Events from before the subscription are never delivered: wait for its +OK first.
          await watch.until(() => watch.frames.length >= 3, 'the event json reply');
          callUuid = sim.placeCall({ from: '1000', name: 'sipp 1000', to: '5001', label: 'r1' }).uuid;
          uuids.set(RECORD_API_CALLER, callUuid);
        }
      },
      // One simulated second between start, mask, unmask and stop.
      before: async (_i, line) => {
        if (/uuid_record \S+ (mask|unmask|stop)/.test(line)) await sim.advance(1000);
      },
    });
    await watch.until(() => summarize(watch.frames).filter((f) => f.event === 'RECORD_STOP').length === 1, 'RECORD_STOP');
    await sim.advance(1000);
    sim.hangup('r1');
    await watchSawDestroy(watch, callUuid);
    const expected = summarize(traceFrames('record-api', 'watch-json')).filter((f) => f.type !== 'text/disconnect-notice');
    const actual = summarize(watch.frames);
    expectSameFrames(actual, expected, 'watch-json');
    // Api bodies match, except the show channels row (values differ, keys must not).
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i];
      if (e?.type !== 'api/response' || e.body === undefined) continue;
      if (e.body.startsWith('{')) {
        const keys = (b: string): string[] => Object.keys((JSON.parse(b) as { rows: Array<Record<string, string>> }).rows[0] ?? {});
        expect(keys(actual[i]?.body ?? '{"rows":[]}')).to.deep.equal(keys(e.body));
      } else expect(actual[i]?.body, `api reply ${i}`).to.equal(e.body);
    }
    // 3 simulated seconds of stereo 8 kHz 16-bit audio, the masked second silent.
    const wav = readFileSync(join(h.recordings, `${callUuid}.wav`));
    expect(wav.readUInt16LE(22)).to.equal(2);
    expect(wav.readUInt32LE(24)).to.equal(8000);
    const data = wav.subarray(44);
    expect(data.length).to.equal(3 * 8000 * 4);
    const second = (n: number): Buffer => data.subarray(n * 32000, (n + 1) * 32000);
    expect(second(0).some((b) => b !== 0)).to.equal(true);
    expect(second(1).every((b) => b === 0)).to.equal(true);
    expect(second(2).some((b) => b !== 0)).to.equal(true);
  });
});
