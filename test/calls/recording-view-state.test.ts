// Issue 9.4: the MQTT recording.state follows RECORD_START / RECORD_STOP; it never goes back to `starting` when a file stops.

import { expect } from 'chai';
import { Subject } from 'rxjs';
import { recordingStatusOf } from '../../src/calls/call-controller';
import type { CallRecordingStatus, CallView } from '../../src/mqtt';
import { NOTHING_OBSERVED } from '../../src/policies';
import { until } from '../support/wait';
import { consentedAndRecording, hotline, startHarness, talkAndHangUp, type Harness } from './call-harness';

const OPT_IN = { groups: { hotline: hotline({ mode: 'opt-in' }) }, extensions: { '1001': { group: 'hotline' } } };

/** The states one call's view went through, repeats folded (the publisher sends only changes). */
function watchStates(h: Harness, callId: () => string | undefined): { states: CallRecordingStatus[]; cleared: () => boolean; reached: (s: CallRecordingStatus) => Promise<void> } {
  const states: CallRecordingStatus[] = [];
  const changed = new Subject<void>();
  let cleared = false;
  const publisher = h.daemon.publisher;
  const publishCall = publisher.publishCall.bind(publisher);
  const clearCall = publisher.clearCall.bind(publisher);
  publisher.publishCall = (view: CallView) => {
    if (view.callId === callId() && states.at(-1) !== view.recording.state) states.push(view.recording.state);
    publishCall(view);
    changed.next();
  };
  publisher.clearCall = (id: string) => {
    if (id === callId()) cleared = true;
    clearCall(id);
  };
  return { states, cleared: () => cleared, reached: (state) => until(changed, () => states.at(-1) === state, `the view to say ${state}`) };
}

describe('calls: the recording state ops see on MQTT', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('a caller’s 9 mid-call: on → stopping → off while the call goes on', async () => {
    h = await startHarness({ recording: OPT_IN });
    const call = await consentedAndRecording(h, '1');
    const watch = watchStates(h, () => call.uuid);
    const { sim, daemon } = h;
    await sim.advance(2000);
    sim.press(call, '9');
    await until(daemon.registry.calls$, () => daemon.registry.get(call.uuid)?.recordings.some((r) => !r.active) === true, 'RECORD_STOP');
    await sim.advance(1000);
    await watch.reached('off');
    // `stopping` shows only if the view is published between the stop's +OK and RECORD_STOP.
    expect(watch.states[0]).to.equal('on');
    expect(watch.states.slice(1, -1).every((st) => st === 'stopping')).to.equal(true);
    await talkAndHangUp(h, call, 1000);
    expect(watch.states).to.not.include('starting');
    expect(watch.cleared()).to.equal(true);
  });

  it('the state is FreeSWITCH’s confirmation, not the plan (pure)', () => {
    const o = NOTHING_OBSERVED;
    expect(recordingStatusOf(o)).to.equal('off');
    expect(recordingStatusOf({ ...o, startsInFlight: ['/a'] })).to.equal('starting');
    expect(recordingStatusOf({ ...o, running: ['/a'] })).to.equal('on');
    expect(recordingStatusOf({ ...o, running: ['/a'], stopsInFlight: ['/a'] })).to.equal('stopping');
    // A transfer: segment 1 stopping, segment 2 starting.
    expect(recordingStatusOf({ ...o, running: ['/a'], stopsInFlight: ['/a'], startsInFlight: ['/b'] })).to.equal('starting');
    expect(recordingStatusOf({ ...o, running: ['/a', '/b'], stopsInFlight: ['/a'] })).to.equal('on');
  });
});
