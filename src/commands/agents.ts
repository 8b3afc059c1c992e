// `callwarden agents consent|revoke|list`: agents' signed recording consents, with who entered them.

import type { CallwardenConfig } from '../config';
import { AgentConsentError, AgentConsents } from '../web';
import { UsageError } from './calls';
import { openRepository } from './open-repository';
import { cliActor } from './users';

export const AGENTS_USAGE = `callwarden agents consent <extension> --signed <YYYY-MM-DD> --document <reference>
callwarden agents revoke <extension>
callwarden agents list`;

export async function agentsCommand(config: CallwardenConfig, args: string[], out: (line: string) => void): Promise<number> {
  const [sub, extension, ...rest] = args;
  const db = await openRepository(config);
  try {
    const consents = new AgentConsents(db.knex, db.repository.tables);
    switch (sub) {
      case 'consent': {
        let signed: string | undefined;
        let document: string | undefined;
        for (let i = 0; i < rest.length; i++) {
          if (rest[i] === '--signed') signed = rest[++i];
          else if (rest[i] === '--document') document = rest[++i];
          else throw new UsageError(`agents consent: unknown argument "${rest[i]}"\n${AGENTS_USAGE}`);
        }
        if (!extension || !signed || !document) throw new UsageError(AGENTS_USAGE);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(signed)) throw new UsageError('--signed: a date like 2026-11-01');
        await consents.consent(extension, new Date(`${signed}T00:00:00Z`), document, cliActor());
        out(`consent of extension ${extension} on file (signed ${signed}, ${document})`);
        return 0;
      }
      case 'revoke': {
        if (!extension) throw new UsageError(AGENTS_USAGE);
        const n = await consents.revoke(extension, cliActor());
        out(n > 0 ? `consent of extension ${extension} revoked; calls decide without it from now on` : `extension ${extension} had no consent on file`);
        return n > 0 ? 0 : 1;
      }
      case 'list': {
        const all = await consents.list();
        if (all.length === 0) out('no agent consents on file');
        for (const c of all) out([c.extension.padEnd(8), c.signedAt.slice(0, 10), c.documentRef.padEnd(30), `by ${c.enteredBy ?? '?'}`, c.revokedAt ? `revoked ${c.revokedAt} by ${c.revokedBy ?? '?'}` : 'in force'].join('  '));
        return 0;
      }
      default:
        throw new UsageError(AGENTS_USAGE);
    }
  } catch (err) {
    if (err instanceof AgentConsentError) throw new UsageError(err.message);
    throw err;
  } finally {
    await db.close();
  }
}
