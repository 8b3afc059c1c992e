// Who may see and do what: roles, a user's scope of groups/extensions, and the one check every route uses (pure).

export type WebRole = 'admin' | 'supervisor' | 'auditor' | 'agent';
export const WEB_ROLES: readonly WebRole[] = ['admin', 'supervisor', 'auditor', 'agent'];

export interface WebUser {
  readonly id: number;
  readonly name: string;
  readonly role: WebRole;
  /** Recording groups whose calls a supervisor sees (admins and auditors see every group). */
  readonly groups: readonly string[];
  /** The user's own phone: where "listen" rings; also the supervisor key into coaching.supervisors. */
  readonly extension: string | null;
}

/** What a user is entitled to: everything, or calls of these groups / agent extensions. */
export type Scope =
  | { readonly all: true }
  | {
      readonly all: false;
      readonly groups: readonly string[];
      readonly extensions: readonly string[];
      /**
       * An agent: only calls taken by this extension, of a self-review group or shared with
       * them (the rule is mayAgentReview in src/policies; SQL and the per-call check follow it).
       * `groups` and `extensions` are then empty, so inScope alone never lets a call through.
       */
      readonly agent?: { readonly extension: string; readonly selfReviewGroups: readonly string[] };
    };

/**
 * A supervisor's scope is the groups on their user row plus what coaching.supervisors grants
 * their extension (the same rights *98* uses), so the page, `listen` and `record` agree.
 */
export function scopeOf(
  user: WebUser,
  coachingSupervisors: Readonly<Record<string, { readonly extensions: readonly string[]; readonly groups: readonly string[] }>>,
  selfReviewGroups: readonly string[] = [],
): Scope {
  if (user.role === 'admin' || user.role === 'auditor') return { all: true };
  // An agent without an extension owns no call: the impossible extension '' matches none.
  if (user.role === 'agent') return { all: false, groups: [], extensions: [], agent: { extension: user.extension ?? '', selfReviewGroups: [...selfReviewGroups] } };
  const rights = user.extension !== null ? coachingSupervisors[user.extension] : undefined;
  return {
    all: false,
    groups: [...new Set([...user.groups, ...(rights?.groups ?? [])])],
    extensions: [...new Set(rights?.extensions ?? [])],
  };
}

/** Whether a call (by its group and agent extension) is within the scope. A call with neither is only for "all". */
export function inScope(scope: Scope, call: { readonly group?: string | null | undefined; readonly agentExtension?: string | null | undefined }): boolean {
  if (scope.all) return true;
  if (call.group != null && scope.groups.includes(call.group)) return true;
  return call.agentExtension != null && scope.extensions.includes(call.agentExtension);
}

/** Live actions (record, listen): admins and supervisors; auditors and agents are read-only. */
export function mayActLive(user: WebUser): boolean {
  return user.role === 'admin' || user.role === 'supervisor';
}

export function mayReadAudit(user: WebUser): boolean {
  return user.role === 'admin' || user.role === 'auditor';
}

export function mayManage(user: WebUser): boolean {
  return user.role === 'admin';
}

/** Sharing a call with its agent for coaching: admins and supervisors (within their scope). */
export function mayShare(user: WebUser): boolean {
  return user.role === 'admin' || user.role === 'supervisor';
}

/** Downloading a file or exporting the evidence bundle: everyone but agents (who play in the page only). */
export function mayTakeCopies(user: WebUser): boolean {
  return user.role !== 'agent';
}
