// Which group a dialled number reaches in a dry run, and the dialplan the simulated FreeSWITCH runs for it.

import type { RecordingConfig } from '../policies';
import type { DialplanStep, Endpoint, Session } from '../simulator';
import { defaultDialplan } from '../simulator';

export interface Route {
  readonly group: string;
  /** The bridge dial string (the dialplan's callwarden_target), e.g. user/1001. */
  readonly target: string;
}

export class RoutingError extends Error {
  override name = 'UsageError' as const;
}

/**
 * `--route 5000=hotline` pairs, else every dialled number goes to `group` (default: the only
 * configured group). The target is the group's own `target` when it has one, else `--target`,
 * else the first extension enabled for the group.
 */
export function routesFrom(recording: RecordingConfig, pairs: readonly string[], group: string | undefined, target: string | undefined): (dest: string) => Route | undefined {
  const groups = Object.keys(recording.groups);
  const known = (name: string): string => {
    if (!(name in recording.groups)) throw new RoutingError(`group "${name}" is not in recording.groups (configured: ${groups.join(', ') || 'none'})`);
    return name;
  };
  const targetOf = (name: string): string => {
    if (target !== undefined) return target;
    const ext = Object.entries(recording.extensions).find(([, s]) => s.group === name)?.[0];
    return `user/${ext ?? '1001'}`;
  };
  const table = new Map<string, string>();
  for (const pair of pairs) {
    const m = /^([\w*#+]+)=([A-Za-z0-9_.-]+)$/.exec(pair);
    if (m === null) throw new RoutingError(`--route "${pair}": use <dialled number>=<group>, e.g. 5000=hotline`);
    table.set(m[1]!, known(m[2]!));
  }
  const fallback = group !== undefined ? known(group) : table.size === 0 && groups.length === 1 ? groups[0] : undefined;
  if (table.size === 0 && fallback === undefined) {
    throw new RoutingError(
      groups.length === 0
        ? 'recording.groups is empty: configure a group first (see config/examples/local.json)'
        : `several groups (${groups.join(', ')}): say which with --group <name> or --route <number>=<group>`,
    );
  }
  return (dest) => {
    const name = table.get(dest) ?? fallback;
    return name === undefined ? undefined : { group: name, target: targetOf(name) };
  };
}

/**
 * As freeswitch/dialplan/callwarden.xml: set callwarden_group and callwarden_target (+ extra
 * variables), socket_resume=true, `socket … async full`, then — the daemon down or handing the
 * call back — the dialplan's own bridge to the target, with a per-call `callwarden_token` the
 * daemon checks over its inbound connection before it believes the call socket. 10xx dials an
 * extension; *98* and the rest are the captures' dialplan.
 */
export function dryRunDialplan(route: (dest: string) => Route | undefined, recording: RecordingConfig, getOutbound: () => Endpoint | undefined, vars: Readonly<Record<string, string>>) {
  const captured = defaultDialplan(getOutbound, getOutbound);
  return (dest: string, session: Session): DialplanStep[] | undefined => {
    const r = route(dest);
    if (r === undefined) return /^10\d\d$/.test(dest) ? [{ app: 'bridge', arg: `user/${dest}` }] : captured(dest, session);
    const o = getOutbound();
    const steps: DialplanStep[] = [
      { app: 'set', arg: `callwarden_group=${r.group}` },
      { app: 'set', arg: `callwarden_target=${r.target}` },
      { app: 'set', arg: 'callwarden_token=${create_uuid()}' },
      ...Object.entries(vars).map(([k, v]) => ({ app: 'set', arg: `${k}=${v}` })),
      { app: 'set', arg: 'socket_resume=true' },
    ];
    if (o !== undefined) steps.push({ app: 'socket', arg: `${o.host}:${o.port} async full` });
    steps.push({ app: 'bridge', arg: '${callwarden_target}' });
    return steps;
  };
}
