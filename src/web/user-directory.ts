// The back office's people in the database: users, personal API tokens and the login audit rows.

import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { StoreTables } from '../store/store-tables';
import { WEB_ROLES, type WebRole, type WebUser } from './web-roles';

export interface StoredUser extends WebUser {
  readonly passwordHash: string;
  readonly disabled: boolean;
}

export type AuthEventKind = 'login' | 'login_failed' | 'locked_out' | 'logout';

export interface AuthEvent {
  readonly at: string;
  readonly kind: AuthEventKind | (string & {});
  readonly userName: string | null;
  readonly address: string | null;
  readonly method: string | null;
}

export class UserError extends Error {
  override name = 'UserError' as const;
}

export const USER_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
export const GROUP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const EXTENSION = /^[0-9]{2,10}$/;
const TOKEN = /^cw_[A-Za-z0-9_-]{43}$/;

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A row read back is checked like any other input: an unknown role or unreadable groups
 * make the user unusable (disabled), never more powerful.
 */
function toUser(row: Record<string, unknown>): StoredUser {
  const role = WEB_ROLES.includes(row.role as WebRole) ? (row.role as WebRole) : undefined;
  let groups: string[] = [];
  let groupsOk = true;
  try {
    const parsed = JSON.parse(String(row.groups)) as unknown;
    if (Array.isArray(parsed) && parsed.every((g) => typeof g === 'string' && GROUP_NAME.test(g))) groups = parsed as string[];
    else groupsOk = false;
  } catch {
    groupsOk = false;
  }
  const extension = typeof row.extension === 'string' && EXTENSION.test(row.extension) ? row.extension : null;
  return {
    id: Number(row.id),
    name: String(row.name),
    role: role ?? 'auditor',
    groups,
    extension,
    passwordHash: String(row.password_hash ?? ''),
    disabled: Boolean(Number(row.disabled)) || role === undefined || !groupsOk,
  };
}

export class UserDirectory {
  constructor(
    private readonly knex: Knex,
    private readonly tables: StoreTables,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async add(user: { name: string; role: WebRole; groups: readonly string[]; extension: string | null; passwordHash: string; createdBy: string }): Promise<StoredUser> {
    if (!USER_NAME.test(user.name)) throw new UserError(`user name "${user.name}": use 1-64 letters, digits, . _ @ -`);
    if (!WEB_ROLES.includes(user.role)) throw new UserError(`role "${user.role}": one of ${WEB_ROLES.join(', ')}`);
    for (const g of user.groups) if (!GROUP_NAME.test(g)) throw new UserError(`group "${g}": letters, digits, . _ - only`);
    if (user.extension !== null && !EXTENSION.test(user.extension)) throw new UserError(`extension "${user.extension}": 2-10 digits`);
    // An agent is their extension: without one they would own no call (and could not be shared one).
    if (user.role === 'agent' && user.extension === null) throw new UserError('an agent needs --extension (the phone their calls are taken on)');
    if (user.role === 'agent' && user.groups.length > 0) throw new UserError('an agent has no groups: they see their own calls where the group allows self-review');
    if (await this.findByName(user.name)) throw new UserError(`user "${user.name}" exists already`);
    const at = this.now().toISOString();
    await this.knex(this.tables.webUsers).insert({
      name: user.name,
      role: user.role,
      groups: JSON.stringify([...user.groups]),
      extension: user.extension,
      password_hash: user.passwordHash,
      disabled: false,
      created_by: user.createdBy,
      created_at: at,
      updated_at: at,
    });
    return (await this.findByName(user.name))!;
  }

  async findByName(name: string): Promise<StoredUser | undefined> {
    if (!USER_NAME.test(name)) return undefined;
    const row = await this.knex(this.tables.webUsers).where({ name }).first();
    return row ? toUser(row as Record<string, unknown>) : undefined;
  }

  async findById(id: number): Promise<StoredUser | undefined> {
    const row = await this.knex(this.tables.webUsers).where({ id }).first();
    return row ? toUser(row as Record<string, unknown>) : undefined;
  }

  async list(): Promise<StoredUser[]> {
    const rows = await this.knex(this.tables.webUsers).orderBy('name');
    return rows.map((r: Record<string, unknown>) => toUser(r));
  }

  async setPassword(name: string, passwordHash: string): Promise<boolean> {
    return (await this.knex(this.tables.webUsers).where({ name }).update({ password_hash: passwordHash, updated_at: this.now().toISOString() })) > 0;
  }

  async setDisabled(name: string, disabled: boolean): Promise<boolean> {
    const n = await this.knex(this.tables.webUsers).where({ name }).update({ disabled, updated_at: this.now().toISOString() });
    if (disabled && n > 0) {
      const user = await this.findByName(name);
      if (user) await this.knex(this.tables.webApiTokens).where({ user_id: user.id }).whereNull('revoked_at').update({ revoked_at: this.now().toISOString() });
    }
    return n > 0;
  }

  /** A new personal token; only its SHA-256 is stored, so the plain text is shown this once. */
  async createToken(userId: number, label: string): Promise<string> {
    const token = `cw_${randomBytes(32).toString('base64url')}`;
    await this.knex(this.tables.webApiTokens).insert({ user_id: userId, label: label.slice(0, 64), token_sha256: sha256(token), created_at: this.now().toISOString() });
    return token;
  }

  /** The token's user, when the token is well-formed, not revoked and its user not disabled. */
  async findByToken(token: string): Promise<StoredUser | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const row = await this.knex(this.tables.webApiTokens).where({ token_sha256: sha256(token) }).whereNull('revoked_at').first();
    if (!row) return undefined;
    const user = await this.findById(Number((row as { user_id: unknown }).user_id));
    if (!user || user.disabled) return undefined;
    await this.knex(this.tables.webApiTokens).where({ id: (row as { id: number }).id }).update({ last_used_at: this.now().toISOString() });
    return user;
  }

  async authEvent(kind: AuthEventKind, userName: string | null, address: string | null, method: string | null): Promise<void> {
    await this.knex(this.tables.webAuthEvents).insert({
      at: this.now().toISOString(),
      kind,
      // A name that is not a valid user name may be a mistyped password: not stored.
      user_name: userName !== null && USER_NAME.test(userName) ? userName : null,
      address: address?.slice(0, 64) ?? null,
      method,
    });
  }

  async authEvents(since: Date): Promise<AuthEvent[]> {
    const rows = await this.knex(this.tables.webAuthEvents).where('at', '>=', since.toISOString()).orderBy('id');
    return rows.map((r: Record<string, unknown>) => ({
      at: String(r.at),
      kind: String(r.kind),
      userName: r.user_name == null ? null : String(r.user_name),
      address: r.address == null ? null : String(r.address),
      method: r.method == null ? null : String(r.method),
    }));
  }
}
