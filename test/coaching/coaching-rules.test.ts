// The pure parts of coaching: who may monitor whom, the DTMF keys, the exact commands, config checks.

import { expect } from 'chai';
import {
  authoriseCoaching,
  coachingConfigProblems,
  coachingTarget,
  eavesdropCommand,
  keyPlan,
  listenOriginate,
  NATIVE_KEYS,
  supervisorsForPolicy,
  translateDigit,
  type CoachingConfig,
} from '../../src/coaching';
import { defaultsWith } from '../../src/config';
import type { CallState, MonitorMode } from '../../src/streams';

const base: CoachingConfig = {
  enabled: true,
  legalNoticeAcknowledged: true,
  supervisors: { '2001': { extensions: ['1001'], groups: ['sales'] } },
  keys: { ...NATIVE_KEYS },
  announcements: { refused: 'r.wav', notAvailable: 'n.wav' },
  notifyAgent: { enabled: false, file: 'beep.wav' },
};

describe('authoriseCoaching', () => {
  const cases: Array<[string, Partial<CoachingConfig>, { supervisor: string | undefined; extension: string; group?: string }, string]> = [
    ['allowed by extension', {}, { supervisor: '2001', extension: '1001' }, 'ok'],
    ['allowed by group', {}, { supervisor: '2001', extension: '1009', group: 'sales' }, 'ok'],
    ['off unless enabled', { enabled: false }, { supervisor: '2001', extension: '1001' }, 'coaching-disabled'],
    ['legal notice first', { legalNoticeAcknowledged: false }, { supervisor: '2001', extension: '1001' }, 'legal-notice-not-acknowledged'],
    ['unauthenticated phone', {}, { supervisor: undefined, extension: '1001' }, 'supervisor-unidentified'],
    ['unknown supervisor', {}, { supervisor: '2002', extension: '1001' }, 'supervisor-unknown'],
    ['other extension', {}, { supervisor: '2001', extension: '1002' }, 'target-not-allowed'],
    ['other group', {}, { supervisor: '2001', extension: '1009', group: 'support' }, 'target-not-allowed'],
    ['not oneself', { supervisors: { '2001': { extensions: ['2001'], groups: [] } } }, { supervisor: '2001', extension: '2001' }, 'self-monitoring'],
  ];
  for (const [name, patch, request, expected] of cases) {
    it(name, () => {
      const decision = authoriseCoaching({ ...base, ...patch }, request);
      expect(decision.ok ? 'ok' : decision.refusal).to.equal(expected);
      expect(decision.reason).to.be.a('string').and.not.equal('');
    });
  }
});

describe('coaching keys', () => {
  it("uses FreeSWITCH's own keys when the configured ones are 0/1/2/3", () => {
    const plan = keyPlan(NATIVE_KEYS);
    expect(plan.kind).to.equal('native');
    expect(translateDigit(plan, '2')).to.deep.equal({ mode: 'whisperAgent', native: '2' });
    expect(translateDigit(plan, '1')).to.deep.equal({ mode: 'talkCaller', native: '1' });
    expect(translateDigit(plan, '9')).to.equal(undefined);
  });

  it('translates other keys to the native digit of the same mode', () => {
    const plan = keyPlan({ listen: '0', talkCaller: '2', whisperAgent: '1', conference: '3' });
    expect(plan.kind).to.equal('translated');
    expect(translateDigit(plan, '1')).to.deep.equal({ mode: 'whisperAgent', native: '2' });
    expect(translateDigit(plan, '2')).to.deep.equal({ mode: 'talkCaller', native: '1' });
  });

  it('reads the extension from *98*<ext> only', () => {
    expect(coachingTarget('*98*1001')).to.equal('1001');
    expect(coachingTarget('*98*')).to.equal(undefined);
    expect(coachingTarget('*97*1001')).to.equal(undefined);
    expect(coachingTarget('*98*1001 x')).to.equal(undefined);
  });
});

describe('coaching commands', () => {
  const sup = '0d2d4bb5-3ac1-4db2-b8c8-e9eb00000001';
  it('switches an eavesdrop by sendevent to the listener session', () => {
    expect(eavesdropCommand(sup, '2').wire).to.equal(
      `sendevent CUSTOM\nEvent-Subclass: callwarden::eavesdrop\nunique-id: ${sup}\neavesdrop-command: 2\n\n`,
    );
    expect(() => eavesdropCommand(sup, '9')).to.throw();
    expect(() => eavesdropCommand(`${sup}\nx`, '2')).to.throw();
  });

  it('originates the listen call through *98*, refusing anything that could break the {…} block', () => {
    const o = { endpoint: 'user/{extension}@pbx', supervisor: '2001', extension: '1001', supervisorLeg: sup, context: 'default', ringSeconds: 30, opsUser: 'ops1' };
    expect(listenOriginate(o)).to.equal(
      `originate {origination_uuid=${sup},user_name=2001,origination_caller_id_name=callwarden-listen,origination_caller_id_number=2001,originate_timeout=30,callwarden_live_ops_user=ops1}user/2001@pbx *98*1001 XML default`,
    );
    expect(() => listenOriginate({ ...o, extension: '1001,x=y' })).to.throw();
    expect(() => listenOriginate({ ...o, opsUser: 'a,b' })).to.throw();
    expect(() => listenOriginate({ ...o, endpoint: 'user/{extension},evil' })).to.throw();
    expect(() => listenOriginate({ ...o, context: 'default\napi x' })).to.throw();
  });
});

describe('coaching and liveOps config', () => {
  it('reports duplicate or unusable keys, naming each key', () => {
    expect(coachingConfigProblems({ ...base, keys: { listen: '0', talkCaller: '0', whisperAgent: '*', conference: '3' } })).to.deep.equal([
      'coaching.keys.talkCaller: "0" is already the key of coaching.keys.listen',
      'coaching.keys.whisperAgent: "*" ends eavesdrop in FreeSWITCH and cannot switch a mode',
    ]);
  });

  it('keeps coaching and live ops off by default, and rejects bad values with the key in the message', () => {
    const config = defaultsWith({});
    expect(config.coaching.enabled).to.equal(false);
    expect(config.liveOps.enabled).to.equal(false);
    expect(() => defaultsWith({ coaching: { keys: { whisperAgent: '22' } } })).to.throw(/coaching\.keys\.whisperAgent/);
    // Users live in the database now (callwarden users add); a config users list is refused, not ignored.
    expect(() => defaultsWith({ liveOps: { users: {} } } as never)).to.throw(/liveOps\.users: is not a known setting/);
  });
});

describe('supervisorsForPolicy', () => {
  const leg = (uuid: string, role: 'caller' | 'agent' | 'supervisor', callerNumber?: string) =>
    ({ uuid, role, node: 'n', answered: true, held: false, hungup: false, closed: false, vars: {}, eavesdropDtmf: true, ...(callerNumber ? { callerNumber } : {}) }) as const;
  const call = (targetLeg: string, mode: MonitorMode) =>
    ({
      callId: 'c',
      legs: [leg('c', 'caller'), leg('a', 'agent'), leg('s', 'supervisor', '2001')],
      monitors: [{ supervisorLeg: 's', targetLeg, mode, active: true }, { supervisorLeg: 'old', targetLeg: 'a', mode: 'three-way', active: false }],
    }) as unknown as CallState;

  it('keeps the mode when the agent leg is the target, and names the supervisor', () => {
    expect(supervisorsForPolicy(call('a', 'talk-target'), { s: '2001' })).to.deep.equal([{ supervisorLeg: 's', supervisor: '2001', mode: 'talk-target' }]);
  });
  it('swaps whisper and talk when the caller leg is the target (the caller would hear the "whisper")', () => {
    expect(supervisorsForPolicy(call('c', 'talk-target'))[0]?.mode).to.equal('talk-partner');
    expect(supervisorsForPolicy(call('c', 'talk-partner'))[0]?.mode).to.equal('talk-target');
  });
  it('assumes the worst for a target it cannot place', () => {
    expect(supervisorsForPolicy(call('elsewhere', 'talk-target'))[0]?.mode).to.equal('three-way');
    expect(supervisorsForPolicy(call('elsewhere', 'listen'))[0]?.mode).to.equal('listen');
  });
});
