// Command builders render exact wire text and refuse anything that could inject a second command.

import { expect } from 'chai';
import * as cmd from '../../src/esl/commands';
import { EslArgumentError } from '../../src/esl/errors';

const UUID = '0d2d4bb5-3ac1-4db2-b8c8-e9eb87d35116';
const EV = 'a67e9128-a3b4-4dd4-95dd-24637fd4f5cf';

describe('command builders', () => {
  it('render sendmsg execute exactly as the trace’s client sent it', () => {
    expect(cmd.execute(UUID, 'answer', undefined, { eventUuid: EV }).wire).to.equal(
      `sendmsg ${UUID}\ncall-command: execute\nexecute-app-name: answer\nevent-lock: true\nEvent-UUID: ${EV}\n\n`,
    );
    const arg = '1 1 2 10000 # tone_stream://%(500,0,440) silence_stream://250 consent_digit [19] 10000';
    expect(cmd.execute(UUID, 'play_and_get_digits', arg, { eventUuid: EV }).wire).to.contain(`execute-app-arg: ${arg}\n`);
  });

  it('render api, bgapi, subscriptions and record commands', () => {
    expect(cmd.api('status').wire).to.equal('api status\n\n');
    expect(cmd.bgapi('status', EV).wire).to.equal(`bgapi status\nJob-UUID: ${EV}\n\n`);
    expect(cmd.subscribe('json', ['CHANNEL_CREATE', 'DTMF']).wire).to.equal('event json CHANNEL_CREATE DTMF\n\n');
    expect(cmd.uuidSetVar(UUID, 'RECORD_STEREO', 'true')).to.equal(`uuid_setvar ${UUID} RECORD_STEREO true`);
    expect(cmd.uuidRecord(UUID, 'start', `/var/lib/freeswitch/recordings/${UUID}.wav`)).to.equal(
      `uuid_record ${UUID} start /var/lib/freeswitch/recordings/${UUID}.wav`,
    );
    expect(cmd.hangup(UUID).wire).to.equal(`sendmsg ${UUID}\ncall-command: hangup\nhangup-cause: NORMAL_CLEARING\n\n`);
    expect(cmd.auth('ClueCon').label).to.equal('auth ********');
  });

  const injections = [
    'evil\n\napi uuid_kill ' + UUID,
    'evil\r\nexecute-app-name: hangup',
    'a\nb',
    'nul\0byte',
  ];
  for (const text of injections) {
    it(`refuses ${JSON.stringify(text)} wherever text reaches the wire`, () => {
      expect(() => cmd.api(text)).to.throw(EslArgumentError);
      expect(() => cmd.bgapi(text, EV)).to.throw(EslArgumentError);
      expect(() => cmd.execute(UUID, 'playback', text, { eventUuid: EV })).to.throw(EslArgumentError);
      expect(() => cmd.uuidSetVar(UUID, 'effective_caller_id_name', text)).to.throw(EslArgumentError);
      expect(() => cmd.uuidRecord(UUID, 'start', text)).to.throw(EslArgumentError);
      expect(() => cmd.auth(text)).to.throw(EslArgumentError);
      expect(() => cmd.withHeaders('sendmsg', { 'x-caller': text })).to.throw(EslArgumentError);
    });
  }

  it('refuses non-UUIDs, odd application, variable and event names', () => {
    expect(() => cmd.uuidKill(`${UUID} x`)).to.throw(EslArgumentError, /not a UUID/);
    expect(() => cmd.execute(UUID, 'answer;hangup', undefined, { eventUuid: EV })).to.throw(EslArgumentError);
    expect(() => cmd.uuidSetVar(UUID, 'a b', 'x')).to.throw(EslArgumentError);
    expect(() => cmd.subscribe('plain', ['CHANNEL_CREATE\nDTMF'])).to.throw(EslArgumentError);
    expect(() => cmd.uuidRecord(UUID, 'start', '/tmp/a b.wav')).to.throw(EslArgumentError, /one non-empty word/);
  });
});
