// One simulated FreeSWITCH channel (session): its state, caller profile, variables and times.

import { randomUUID } from 'node:crypto';

export type ChannelStateName =
  | 'CS_NEW' | 'CS_INIT' | 'CS_ROUTING' | 'CS_SOFT_EXECUTE' | 'CS_EXECUTE' | 'CS_EXCHANGE_MEDIA'
  | 'CS_PARK' | 'CS_CONSUME_MEDIA' | 'CS_HIBERNATE' | 'CS_RESET' | 'CS_HANGUP' | 'CS_REPORTING' | 'CS_DESTROY' | 'CS_NONE';

/** switch_channel_state_t numbering, sent as Channel-State-Number. */
const STATE_NUMBER: Record<ChannelStateName, number> = {
  CS_NEW: 0, CS_INIT: 1, CS_ROUTING: 2, CS_SOFT_EXECUTE: 3, CS_EXECUTE: 4, CS_EXCHANGE_MEDIA: 5, CS_PARK: 6,
  CS_CONSUME_MEDIA: 7, CS_HIBERNATE: 8, CS_RESET: 9, CS_HANGUP: 10, CS_REPORTING: 11, CS_DESTROY: 12, CS_NONE: 13,
};

export type CallState = 'DOWN' | 'RINGING' | 'EARLY' | 'ACTIVE' | 'HELD' | 'HANGUP';
export type AnswerState = 'ringing' | 'early' | 'answered' | 'hangup';

export interface ProfileTimes {
  profileCreated: number;
  created: number;
  answered: number;
  progress: number;
  progressMedia: number;
  hangup: number;
  transfer: number;
  resurrect: number;
  bridged: number;
  lastHold: number;
  holdAccum: number;
}

/** The caller profile (switch_caller_profile_t) as rendered into Caller-* / Other-Leg-* headers. */
export interface CallerProfile {
  direction: 'inbound' | 'outbound';
  logicalDirection: 'inbound' | 'outbound';
  username: string;
  dialplan: string;
  callerIdName: string;
  callerIdNumber: string;
  origCallerIdName: string;
  origCallerIdNumber: string;
  calleeIdName?: string;
  calleeIdNumber?: string;
  networkAddr: string;
  ani: string;
  destinationNumber: string;
  uniqueId: string;
  source: string;
  transferSource?: string;
  context: string;
  rdnis?: string;
  channelName: string;
  profileIndex: number;
  times: ProfileTimes;
}

export type Pairs = Array<[string, string]>;

export class Channel {
  readonly uuid: string;
  readonly name: string;
  readonly direction: 'inbound' | 'outbound';
  state: ChannelStateName = 'CS_NEW';
  callState: CallState = 'DOWN';
  answerState: AnswerState = 'ringing';
  hitDialplan = true;
  presenceId: string | undefined;
  callUuid: string;
  hasMedia = false;
  profile: CallerProfile;
  /**
   * Other-Leg block: the partner's profile and whether we are originator or originatee. An
   * originated leg keeps a copy of its originator's profile as it was at originate time (no
   * Callee-ID, watch-plain DTMF on the agent leg); the originator sees the live partner.
   */
  other: { type: 'originator' | 'originatee'; profile: CallerProfile } | undefined;
  bridgedTo: Channel | undefined;
  readonly variables = new Map<string, string>();
  hangupCause: string | undefined;
  /** Current application (for `show channels`). */
  application = '';
  applicationData = '';
  destroyed = false;

  constructor(init: { uuid?: string; name: string; direction: 'inbound' | 'outbound'; now: number; profile: Omit<CallerProfile, 'uniqueId' | 'channelName' | 'profileIndex' | 'times'> }) {
    this.uuid = init.uuid ?? randomUUID();
    this.name = init.name;
    this.direction = init.direction;
    this.callUuid = this.uuid;
    const t = init.now;
    this.profile = {
      ...init.profile,
      uniqueId: this.uuid,
      channelName: init.name,
      profileIndex: 1,
      times: { profileCreated: t, created: t, answered: 0, progress: 0, progressMedia: 0, hangup: 0, transfer: 0, resurrect: 0, bridged: 0, lastHold: 0, holdAccum: 0 },
    };
  }

  get stateNumber(): number {
    return STATE_NUMBER[this.state];
  }

  get answered(): boolean {
    return this.profile.times.answered !== 0;
  }

  get alive(): boolean {
    return this.hangupCause === undefined;
  }

  /** switch_channel_event_set_basic_data: state, names, directions, answer state, codecs. */
  basicHeaders(): Pairs {
    const h: Pairs = [
      ['Channel-State', this.state],
      ['Channel-Call-State', this.callState],
      ['Channel-State-Number', String(this.stateNumber)],
      ['Channel-Name', this.name],
      ['Unique-ID', this.uuid],
      ['Call-Direction', this.direction],
      ['Presence-Call-Direction', this.direction],
      ['Channel-HIT-Dialplan', this.hitDialplan ? 'true' : 'false'],
    ];
    if (this.presenceId !== undefined) h.push(['Channel-Presence-ID', this.presenceId]);
    h.push(['Channel-Call-UUID', this.callUuid], ['Answer-State', this.answerState]);
    return h;
  }

  codecHeaders(): Pairs {
    if (!this.hasMedia) return [];
    return [
      ['Channel-Read-Codec-Name', 'PCMA'], ['Channel-Read-Codec-Rate', '8000'], ['Channel-Read-Codec-Bit-Rate', '64000'],
      ['Channel-Write-Codec-Name', 'PCMA'], ['Channel-Write-Codec-Rate', '8000'], ['Channel-Write-Codec-Bit-Rate', '64000'],
    ];
  }

  /** switch_caller_profile_event_set_data with prefix "Caller" or "Other-Leg". */
  static profileHeaders(p: CallerProfile, prefix: string): Pairs {
    const h: Pairs = [
      [`${prefix}-Direction`, p.direction],
      [`${prefix}-Logical-Direction`, p.logicalDirection],
      [`${prefix}-Username`, p.username],
      [`${prefix}-Dialplan`, p.dialplan],
      [`${prefix}-Caller-ID-Name`, p.callerIdName],
      [`${prefix}-Caller-ID-Number`, p.callerIdNumber],
      [`${prefix}-Orig-Caller-ID-Name`, p.origCallerIdName],
      [`${prefix}-Orig-Caller-ID-Number`, p.origCallerIdNumber],
    ];
    if (p.calleeIdName !== undefined) h.push([`${prefix}-Callee-ID-Name`, p.calleeIdName], [`${prefix}-Callee-ID-Number`, p.calleeIdNumber ?? '']);
    h.push(
      [`${prefix}-Network-Addr`, p.networkAddr],
      [`${prefix}-ANI`, p.ani],
      [`${prefix}-Destination-Number`, p.destinationNumber],
      [`${prefix}-Unique-ID`, p.uniqueId],
      [`${prefix}-Source`, p.source],
    );
    if (p.transferSource !== undefined) h.push([`${prefix}-Transfer-Source`, p.transferSource]);
    h.push([`${prefix}-Context`, p.context]);
    if (p.rdnis !== undefined) h.push([`${prefix}-RDNIS`, p.rdnis]);
    h.push([`${prefix}-Channel-Name`, p.channelName]);
    // Only the channel's own profile carries its index; the partner's block omits it.
    if (prefix === 'Caller') h.push([`${prefix}-Profile-Index`, String(p.profileIndex)]);
    const t = p.times;
    h.push(
      [`${prefix}-Profile-Created-Time`, String(t.profileCreated)],
      [`${prefix}-Channel-Created-Time`, String(t.created)],
      [`${prefix}-Channel-Answered-Time`, String(t.answered)],
      [`${prefix}-Channel-Progress-Time`, String(t.progress)],
      [`${prefix}-Channel-Progress-Media-Time`, String(t.progressMedia)],
      [`${prefix}-Channel-Hangup-Time`, String(t.hangup)],
      [`${prefix}-Channel-Transfer-Time`, String(t.transfer)],
      [`${prefix}-Channel-Resurrect-Time`, String(t.resurrect)],
      [`${prefix}-Channel-Bridged-Time`, String(t.bridged)],
      [`${prefix}-Channel-Last-Hold`, String(t.lastHold)],
      [`${prefix}-Channel-Hold-Accum`, String(t.holdAccum)],
      [`${prefix}-Screen-Bit`, 'true'],
      [`${prefix}-Privacy-Hide-Name`, 'false'],
      [`${prefix}-Privacy-Hide-Number`, 'false'],
    );
    return h;
  }

  /** Caller-* plus, when there is a partner, Other-Type and Other-Leg-*. */
  profileBlock(): Pairs {
    const h = Channel.profileHeaders(this.profile, 'Caller');
    if (this.other !== undefined) {
      h.push(['Other-Type', this.other.type], ...Channel.profileHeaders(this.other.profile, 'Other-Leg'));
    }
    return h;
  }

  variableHeaders(): Pairs {
    const h: Pairs = [];
    for (const [k, v] of this.variables) h.push([`variable_${k}`, v]);
    return h;
  }

  setVar(name: string, value: string | undefined): void {
    if (value === undefined) this.variables.delete(name);
    else this.variables.set(name, value);
  }

  getVar(name: string): string | undefined {
    return this.variables.get(name);
  }
}
