// Channel-variable expansion of application data (`${name}`, `${create_uuid()}`), as switch_channel_expand_variables does.

import { randomUUID } from 'node:crypto';

/**
 * FreeSWITCH expands every application's data before it runs (dialplan actions and
 * sendmsg alike): `${var}` becomes the channel variable (empty when unset) and
 * `${api(args)}` runs an api command — here only `create_uuid`, which the hand-back
 * dialplan uses for its per-call token. Text without `${` is returned unchanged.
 */
export function expandVariables(data: string, getVar: (name: string) => string | undefined): string {
  if (!data.includes('${')) return data;
  return data.replace(/\$\{([^{}]*)\}/g, (_all, inner: string) => {
    const call = /^([A-Za-z0-9_]+)\((.*)\)$/.exec(inner);
    if (call !== null) return call[1] === 'create_uuid' ? randomUUID() : '';
    return getVar(inner) ?? '';
  });
}
