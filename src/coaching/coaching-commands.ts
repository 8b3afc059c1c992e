// ESL commands only coaching sends (originate for "listen", sendevent for translated keys), built from checked parts.

import { assertUuid, safeArg, safeWord, withHeaders, type EslCommand } from '../esl/commands';
import { EslArgumentError } from '../esl/errors';

/**
 * The argument of `eavesdrop`: exactly one channel uuid. eavesdrop also takes `all` (every
 * call on the switch) and `eavesdrop_require_group`-style words, and the target comes from
 * a Unique-ID a FreeSWITCH peer sent; anything but a UUID is refused here, before it is sent.
 */
export function eavesdropArg(targetLeg: string): string {
  return assertUuid(targetLeg, 'eavesdrop target');
}

/**
 * Switches a running eavesdrop's mode without a DTMF digit: eavesdrop's loop reads an
 * `eavesdrop-command` header from events queued to the listener's session, and
 * mod_event_socket's `sendevent` with a `unique-id` header queues the event to that session
 * (instead of firing it). Used when the configured keys differ from FreeSWITCH's.
 */
export function eavesdropCommand(supervisorLeg: string, nativeDigit: string): EslCommand {
  assertUuid(supervisorLeg, 'supervisor leg');
  if (!/^[0-3]$/.test(nativeDigit)) throw new EslArgumentError(`eavesdrop command "${nativeDigit}" is not 0-3`);
  const text = withHeaders('sendevent CUSTOM', {
    'Event-Subclass': 'callwarden::eavesdrop',
    'unique-id': supervisorLeg,
    'eavesdrop-command': nativeDigit,
  });
  return { kind: 'command', wire: `${text}\n\n`, label: `sendevent eavesdrop-command ${nativeDigit} to ${supervisorLeg}` };
}

export interface ListenOriginate {
  /** originate endpoint template with `{extension}` (config liveOps.listenEndpoint). */
  readonly endpoint: string;
  /** The supervisor's extension: the phone that rings, and who FreeSWITCH will say is calling *98*. */
  readonly supervisor: string;
  /** The agent extension to monitor. */
  readonly extension: string;
  /** The leg FreeSWITCH creates for the supervisor's phone (origination_uuid). */
  readonly supervisorLeg: string;
  /** The dialplan context that holds callwarden-coaching.xml. */
  readonly context: string;
  readonly ringSeconds: number;
  /** The live-ops user, kept on the leg for FreeSWITCH's own logs. */
  readonly opsUser: string;
}

/**
 * `originate {vars}<endpoint> *98*<ext> XML <context>`: rings the supervisor's phone and, once
 * answered, sends that leg through the same `*98*` extension a supervisor would dial, so one
 * handler (authorisation, agent notice, eavesdrop, DTMF keys) serves both. `user_name` is set
 * here because an originated leg has no SIP authentication to set it; only the daemon (and
 * FreeSWITCH's operators) can originate. Channel variables in `{…}` are split at commas, so
 * every value is checked to hold none.
 */
export function listenOriginate(o: ListenOriginate): string {
  for (const [what, ext] of [['supervisor', o.supervisor], ['extension', o.extension]] as const) {
    if (!/^[0-9]{2,10}$/.test(ext)) throw new EslArgumentError(`${what} "${ext}" is not an extension`);
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(o.opsUser)) throw new EslArgumentError(`live-ops user "${o.opsUser}" is not allowed`);
  const endpoint = safeWord(o.endpoint.replace('{extension}', o.supervisor), 'listen endpoint');
  if (/[{},]/.test(endpoint)) throw new EslArgumentError('listen endpoint must not contain { } or ,');
  const vars = [
    `origination_uuid=${assertUuid(o.supervisorLeg, 'supervisor leg')}`,
    `user_name=${o.supervisor}`,
    'origination_caller_id_name=callwarden-listen',
    `origination_caller_id_number=${o.supervisor}`,
    `originate_timeout=${Math.floor(o.ringSeconds)}`,
    `callwarden_live_ops_user=${o.opsUser}`,
  ];
  return safeArg(`originate {${vars.join(',')}}${endpoint} *98*${o.extension} XML ${safeWord(o.context, 'context')}`, 'originate');
}
