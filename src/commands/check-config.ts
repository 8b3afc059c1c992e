// `callwarden check-config`: loads and validates the configuration, shows what it means; starts nothing.

import { accessSync, constants, existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import type { CallwardenConfig } from '../config';
import { eslNodesOf } from '../esl/esl-nodes';
import type { CliCommand } from './command';
import { describeDatabase } from './open-repository';

export const checkConfigCommand: CliCommand<{ quiet?: boolean }> = {
  name: 'check-config',
  summary: 'validate the configuration and show what it means, without starting anything',
  options: [{ flags: '-q, --quiet', description: 'print nothing when the configuration is valid' }],
  details:
    'Reads exactly what `callwarden run` would read (files, then CALLWARDEN_* variables), reports every\n' +
    'mistake with the key it concerns (exit 1), then summarises the settings and warns about things a\n' +
    'valid configuration may still get wrong (nothing records, missing directories). Secrets are never printed.',
  async run(config, { options }, out) {
    const { loadConfigWithSources } = await import('../config');
    const { sources } = loadConfigWithSources();
    const warnings = configWarnings(config);
    if (options.quiet) return 0;
    out(`configuration valid`);
    out(`  directories: ${sources.dirs.join(', ')}`);
    out(`  files read:  ${sources.files.join(', ')}`);
    out(`  environment: ${sources.environment.length > 0 ? sources.environment.join(', ') : '(no CALLWARDEN_* variables set)'}`);
    for (const line of summary(config)) out(`  ${line}`);
    for (const w of warnings) out(`warning: ${w}`);
    return 0;
  },
};

function summary(c: CallwardenConfig): string[] {
  const mqtt = c.mqtt.url === 'off' ? 'off' : c.mqtt.url === '' ? `embedded broker on ${c.mqtt.embedded.host}:${c.mqtt.embedded.port}` : redactUrl(c.mqtt.url);
  const groups = Object.entries(c.recording.groups);
  return [
    `node: ${c.node}`,
    ...eslNodesOf(c.esl).map(
      (n, _i, all) =>
        `FreeSWITCH event socket${all.length > 1 || c.esl.name !== undefined ? ` of node ${n.name}` : ''}: ${n.host}:${n.port} (${c.esl.format}), password ${n.password === 'ClueCon' ? "FreeSWITCH's default ClueCon" : 'set'}`,
    ),
    `outbound socket (dialplan's socket app dials it): ${c.outbound.host}:${c.outbound.port}`,
    `database: ${describeDatabase(c)}${c.store.client === 'better-sqlite3' && c.store.filename !== ':memory:' ? (existsSync(c.store.filename) ? ' (exists)' : ' (not created yet)') : ''}; outbox ${c.store.outboxDir}`,
    `MQTT: ${mqtt}`,
    `recording: ${c.recording.legalNoticeAcknowledged ? 'legal notice acknowledged' : 'OFF (recording.legalNoticeAcknowledged is false)'}; ${c.recording.format} files in ${c.recording.directory}, kept ${c.recording.retentionDays} days`,
    ...(groups.length === 0 ? ['groups: none'] : groups.map(([name, g]) => `group ${name}: ${g.mode}${g.mode === 'every-nth' ? ` (every ${g.everyNth})` : ''}, channels ${g.channels}, announcements ${g.announcements ? 'on' : 'off'}`)),
    `extensions that may be recorded: ${Object.keys(c.recording.extensions).length > 0 ? Object.entries(c.recording.extensions).map(([e, s]) => `${e} (${s.group}${s.mode ? `, ${s.mode}` : ''})`).join(', ') : 'none'}`,
    `coaching: ${c.coaching.enabled ? (c.coaching.legalNoticeAcknowledged ? `on, ${Object.keys(c.coaching.supervisors).length} supervisor(s)` : 'enabled but legal notice not acknowledged: refused') : 'off'}`,
    `web (back office, live operations): ${c.web.enabled ? `on ${c.web.tls.certFile ? 'https' : 'http'}://${c.web.host}:${c.web.port}, live operations ${c.liveOps.enabled ? 'on' : 'off'}; users in the database (callwarden users list)` : 'off'}`,
    `log: ${c.log.level}, ${c.log.format}`,
  ];
}

/** Valid, but probably not what the operator meant. */
export function configWarnings(c: CallwardenConfig): string[] {
  const w: string[] = [];
  if (!c.recording.legalNoticeAcknowledged) w.push('nothing will be recorded until recording.legalNoticeAcknowledged is true (read the notice in the README)');
  if (Object.keys(c.recording.groups).length === 0) w.push('no recording groups: every call is routed unrecorded (see config/examples/ and the README)');
  for (const [ext, s] of Object.entries(c.recording.extensions)) if (!(s.group in c.recording.groups)) w.push(`recording.extensions.${ext}: group "${s.group}" is not defined`);
  if (Object.keys(c.recording.extensions).length === 0 && Object.keys(c.recording.groups).length > 0) w.push('recording.extensions is empty: no agent can be recorded (extensions are disabled until listed)');
  if (!existsSync(c.recording.directory)) w.push(`recording.directory ${c.recording.directory} does not exist here (FreeSWITCH writes there; the daemon must read it)`);
  if (c.store.client === 'better-sqlite3' && c.store.filename !== ':memory:') {
    const dir = existingAncestor(dirname(c.store.filename));
    if (!writable(dir)) w.push(`store.filename ${c.store.filename}: ${dir} is not writable by this user`);
  }
  for (const n of eslNodesOf(c.esl)) {
    if (n.password === 'ClueCon' && !['127.0.0.1', '::1', 'localhost'].includes(n.host)) w.push(`the event socket password of node ${n.name} is FreeSWITCH's default ClueCon on a non-local host (${n.host})`);
    // A node's call sockets come from its address (usually): one missing from the allow list is refused before a byte is read.
    if (isIP(n.host) !== 0 && !c.outbound.allowedPeers.includes(n.host)) w.push(`node ${n.name} (${n.host}) is not in outbound.allowedPeers: its call sockets will be refused unless it dials from another listed address`);
  }
  if (c.outbound.host === '0.0.0.0' || c.outbound.host === '::') w.push(`outbound.host ${c.outbound.host} listens on every interface: anyone who reaches port ${c.outbound.port} can hand calls to callwarden; firewall it`);
  return w;
}

function existingAncestor(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return '(mqtt.url is set)';
  }
}
