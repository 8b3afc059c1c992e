// mod_sofia's side of a PRESENCE_IN, reduced to what a subscribed BLF key would be told (sofia_presence.c, as read for the recording lamp).

/** The <state> of the dialog in the dialog-info NOTIFY; undefined when the NOTIFY carries no dialog (the key goes idle). */
export type BlfDialogState = 'confirmed' | 'early' | 'terminated';

export interface BlfNotify {
  /** The subscription it reaches: `proto+user@host`, or `user@host` for plain sip. */
  readonly entity: string;
  readonly dialogId?: string;
  readonly state?: BlfDialogState;
  readonly direction?: 'initiator' | 'recipient';
  /** mod_sofia replaced the answer-state with a live call's state of the same user ("mangle this packet"). */
  readonly mangled: boolean;
  /** Virtual time (µs). */
  readonly at: number;
}

export interface SofiaContext {
  /** switch_ivr_uuid_exists */
  uuidExists(uuid: string): boolean;
  /** The states of live SIP dialogs of `user` (sip_dialogs by sip_from_user / presence_id). */
  liveDialogsOf(user: string): ReadonlyArray<'early' | 'confirmed'>;
}

/**
 * What actual_sofia_presence_event_handler + sofia_presence_sub_callback make of one
 * PRESENCE_IN for a dialog subscription: `from` names the entity (the part after a "+" is the
 * user, `proto` the subscription's proto); no `unique-id` means no <dialog> at all; a
 * unique-id that is no live channel counts as a hangup, and if the user has live dialogs of
 * its own, the answer-state is replaced by theirs; then answer-state → <state> (answered →
 * confirmed, ringing → early for a recipient, hangup → terminated; none → early for
 * "outbound", confirmed otherwise); Presence-Call-Direction outbound → recipient.
 */
export function sofiaPresenceNotify(raw: Readonly<Record<string, string>>, ctx: SofiaContext, at: number): BlfNotify | undefined {
  const h = (name: string): string | undefined => {
    const key = Object.keys(raw).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : raw[key];
  };
  let proto = h('proto') ?? '';
  if (proto === '' || proto.toLowerCase() === 'any') proto = 'sip';
  const from = h('from');
  if (from === undefined || !from.includes('@')) return undefined;
  const user = from.slice(0, from.indexOf('@'));
  const host = from.slice(from.indexOf('@') + 1).split('/')[0] ?? '';
  const plus = user.indexOf('+');
  const euser = plus > 0 ? user.slice(plus + 1) : user;
  const entity = proto === 'sip' ? `${euser}@${host}` : `${proto}+${euser}@${host}`;
  const uuid = h('unique-id') ?? '';
  const status = h('status') ?? '';
  const hup = /CS_HANGUP/i.test(status) || (uuid !== '' && !ctx.uuidExists(uuid));
  let answer = h('answer-state') ?? '';
  let mangled = false;
  const dialogs = ctx.liveDialogsOf(euser);
  if (hup && dialogs.length > 0) {
    answer = dialogs[0] === 'early' ? 'early' : 'confirmed';
    mangled = true;
  }
  if (uuid === '') return { entity, mangled, at };
  const direction = (h('presence-call-direction') ?? '').toLowerCase() === 'outbound' ? 'recipient' : 'initiator';
  let astate = answer;
  if (astate === '' && (h('channel-state') ?? '').toLowerCase() === 'cs_hangup') astate = 'hangup';
  if (astate === '') astate = direction === 'recipient' ? 'early' : 'confirmed';
  if (astate === 'answered') astate = 'confirmed';
  if (astate === 'ringing') astate = direction === 'recipient' ? 'early' : 'confirmed';
  if (/^hold/i.test(status)) astate = 'early';
  if (astate === 'hangup') astate = 'terminated';
  const state: BlfDialogState | undefined = astate === 'confirmed' || astate === 'early' || astate === 'terminated' ? astate : undefined;
  return { entity, dialogId: uuid, ...(state ? { state } : {}), direction, mangled, at };
}
