// `callwarden agents consent|revoke|list`: agents' signed recording consents, with who entered them.

import type { CallwardenConfig } from '../config';
import { AgentConsentError, AgentConsents } from '../web/agent-consents';
import { UsageError, type CliCommand } from './command';
import { openRepository } from './open-repository';
import { cliActor } from './users';

export const AGENTS_USAGE = `callwarden agents consent <extension> --signed <YYYY-MM-DD> --document <reference>
callwarden agents revoke <extension>
callwarden agents list [--json]`;

type AgentsOptions = { signed?: string; document?: string; json?: boolean };

export const agentsCommand: CliCommand<AgentsOptions> = {
  name: 'agents',
  summary: "agents' signed recording consents: consent, revoke, list",
  operands: '<action> [extension]',
  options: [
    { flags: '--signed <date>', description: 'agents consent: the day the agent signed (YYYY-MM-DD)' },
    { flags: '--document <ref>', description: 'agents consent: where the signed document is filed' },
    { flags: '--json', description: 'agents list: one JSON object per consent and line' },
  ],
  exitCodes: { 3: 'agents revoke: the extension had no consent on file' },
  details: AGENTS_USAGE,
  run: (config, { operands, options }, out) => agents(config, operands, options, out),
};

export async function agents(config: CallwardenConfig, operands: readonly string[], flags: AgentsOptions, out: (line: string) => void): Promise<number> {
  const [sub, extension] = operands;
  const given = (Object.keys(flags) as (keyof AgentsOptions)[]).filter((k) => flags[k] !== undefined);
  const only = (allowed: readonly (keyof AgentsOptions)[]): void => {
    const extra = given.filter((k) => !allowed.includes(k));
    if (extra.length > 0) throw new UsageError(`agents ${sub}: --${extra[0]} does not apply\n${AGENTS_USAGE}`);
  };
  // The whole line is checked before the database is opened.
  if (sub === 'consent') {
    only(['signed', 'document']);
    if (!extension || !flags.signed || !flags.document) throw new UsageError(AGENTS_USAGE);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(flags.signed) || Number.isNaN(new Date(`${flags.signed}T00:00:00Z`).getTime())) throw new UsageError('--signed: a date like 2026-11-01');
  } else if (sub === 'revoke') {
    only([]);
    if (!extension) throw new UsageError(AGENTS_USAGE);
  } else if (sub === 'list') {
    only(['json']);
    if (extension !== undefined) throw new UsageError(AGENTS_USAGE);
  } else throw new UsageError(`agents: unknown action "${sub ?? ''}"\n${AGENTS_USAGE}`);
  const db = await openRepository(config, sub === 'list' ? { readOnly: true } : {});
  try {
    const consents = new AgentConsents(db.knex, db.repository.tables);
    if (sub === 'consent') {
      await consents.consent(extension!, new Date(`${flags.signed}T00:00:00Z`), flags.document!, cliActor());
      out(`consent of extension ${extension} on file (signed ${flags.signed}, ${flags.document})`);
      return 0;
    }
    if (sub === 'revoke') {
      const n = await consents.revoke(extension!, cliActor());
      out(n > 0 ? `consent of extension ${extension} revoked; calls decide without it from now on` : `extension ${extension} had no consent on file`);
      return n > 0 ? 0 : 3;
    }
    const all = await consents.list();
    if (flags.json) {
      for (const c of all) out(JSON.stringify(c));
      return 0;
    }
    if (all.length === 0) out('no agent consents on file');
    for (const c of all) out([c.extension.padEnd(8), c.signedAt.slice(0, 10), c.documentRef.padEnd(30), `by ${c.enteredBy ?? '?'}`, c.revokedAt ? `revoked ${c.revokedAt} by ${c.revokedBy ?? '?'}` : 'in force'].join('  '));
    return 0;
  } catch (err) {
    if (err instanceof AgentConsentError) throw new UsageError(err.message);
    throw err;
  } finally {
    await db.close();
  }
}
