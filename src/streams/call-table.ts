// The live table of calls: links channel legs into calls and folds their messages with reduceCall.

import type { ChannelMessage, CloseReason } from './channel-message';
import type { ChannelRow } from './channel-row';
import type { CallState, LegRole } from './call-state';
import { rowFacts, type ChannelFacts } from './freeswitch-fields';
import { attachLeg, closeLeg, detachLeg, eavesdropTarget, emptyCall, reduceCall } from './reduce-call';

/**
 * What the table tells its watchers. 'updated' carries the message that caused it (none
 * for a seed or an expiry); 'ended' is the call's final state, after which it is gone from
 * every lookup; 'absorbed' says a call turned out to be part of another one (a
 * supervisor's own call joins the call it eavesdrops on) and its id is no longer valid.
 */
export type CallUpdate =
  | { readonly kind: 'updated'; readonly call: CallState; readonly cause?: ChannelMessage }
  | { readonly kind: 'ended'; readonly call: CallState; readonly cause?: ChannelMessage }
  | { readonly kind: 'absorbed'; readonly call: CallState; readonly into: string };

interface Route {
  readonly callId: string;
  readonly role: LegRole;
}

/**
 * Mutable container of immutable CallStates. Links, from the traces:
 * - a b-leg (Call-Direction outbound) names its a-leg in `Channel-Call-UUID` and
 *   `Other-Leg-Unique-ID` from CHANNEL_CREATE on; it joins that call as agent;
 * - CHANNEL_BRIDGE names both (`Bridge-A-Unique-ID`, `Bridge-B-Unique-ID`);
 * - a supervisor's leg is linked only by `eavesdrop <agent-leg-uuid>` (CHANNEL_EXECUTE, or
 *   at the latest its CHANNEL_EXECUTE_COMPLETE); until then it is a call of its own, which
 *   is then absorbed.
 * Links are sticky: after unbridge FreeSWITCH resets the b-leg's Channel-Call-UUID to its
 * own uuid (consent-bridge-coach: the agent's HANGUP_COMPLETE), which must not split the call.
 */
export class CallTable {
  private readonly calls = new Map<string, CallState>();
  /** Every uuid routed to a call: its legs, and a-legs named by a b-leg but not seen yet. */
  private readonly routes = new Map<string, Route>();
  private readonly routedTo = new Map<string, Set<string>>();
  private readonly agentIndex = new Map<string, Set<string>>();
  private readonly agentsOfCall = new Map<string, readonly string[]>();
  /** When each leg was first seen, in applied messages, for resync's "older than the snapshot". */
  private readonly firstSeen = new Map<string, number>();
  private applied = 0;

  get size(): number {
    return this.calls.size;
  }

  /** Uuids the table routes (legs and announced legs); 0 once every call has ended. */
  get routeCount(): number {
    return this.routes.size;
  }

  get(callId: string): CallState | undefined {
    return this.calls.get(callId);
  }

  byLeg(uuid: string): CallState | undefined {
    const route = this.routes.get(uuid);
    return route === undefined ? undefined : this.calls.get(route.callId);
  }

  list(): CallState[] {
    return [...this.calls.values()];
  }

  /** Calls in which `extension` is (or was) the agent, newest first. */
  callsOfAgent(extension: string): CallState[] {
    const ids = this.agentIndex.get(extension);
    if (ids === undefined) return [];
    return [...ids]
      .map((id) => this.calls.get(id)!)
      .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  }

  /** The call in which `extension`'s agent leg is up now: what `*98*<ext>` coaches. */
  activeCallOfAgent(extension: string): CallState | undefined {
    return this.callsOfAgent(extension).find((call) =>
      call.legs.some((l) => l.role === 'agent' && l.extension === extension && !l.hungup),
    );
  }

  /** A position in the message sequence: legs seen after it are newer than a snapshot taken now. */
  mark(): number {
    return this.applied;
  }

  seenBefore(uuid: string, mark: number): boolean {
    const seen = this.firstSeen.get(uuid);
    return seen !== undefined && seen < mark;
  }

  apply(message: ChannelMessage): CallUpdate[] {
    this.applied++;
    if (message.kind === 'closed') return this.close(message.uuid, message.reason, message);
    return this.applyFacts(message.facts, message.node, message);
  }

  /** Seeds (or refreshes) a leg from one row of `show channels as json`. */
  seed(node: string, row: ChannelRow): CallUpdate[] {
    this.applied++;
    return this.applyFacts(rowFacts(row), node, undefined, true);
  }

  /** Closes a leg without a message (resync found it gone). */
  close(uuid: string, reason: CloseReason, cause?: ChannelMessage): CallUpdate[] {
    const route = this.routes.get(uuid);
    const call = route === undefined ? undefined : this.calls.get(route.callId);
    if (call === undefined) {
      this.firstSeen.delete(uuid);
      return [];
    }
    return this.store(closeLeg(call, uuid, reason), cause, []);
  }

  /** Legs of `node` that are still open, for resync. */
  openLegsOf(node: string): string[] {
    const out: string[] = [];
    for (const call of this.calls.values()) for (const leg of call.legs) if (leg.node === node && !leg.closed) out.push(leg.uuid);
    return out;
  }

  /**
   * `quietIfSame`: a row that leaves its call exactly as it was gives no update. The periodic
   * resync seeds every live channel again (4,000 rows at 2,000 calls), and an update for each
   * woke the call's controller for a decision and a database read even where the row changed
   * nothing (issue 12; a call's first resync after its agent answered still changes the agent
   * leg's state, RINGING in CHANNEL_ANSWER, ACTIVE in the row). Events always give one.
   */
  private applyFacts(facts: ChannelFacts, node: string, cause: ChannelMessage | undefined, quietIfSame = false): CallUpdate[] {
    const uuid = facts.uniqueId;
    const updates: CallUpdate[] = [];
    if (!this.firstSeen.has(uuid)) this.firstSeen.set(uuid, this.applied);

    if (!this.routes.has(uuid)) {
      const parent = parentOf(facts);
      if (parent === undefined) this.route(uuid, { callId: uuid, role: 'caller' });
      else this.route(uuid, { callId: this.ensureRoute(parent).callId, role: 'agent' });
    } else {
      // A b-leg seen first through a supervisor's eavesdrop sits in a call named after
      // itself; its own events now name the real a-leg.
      const parent = parentOf(facts);
      if (parent !== undefined && this.routes.get(uuid)!.callId === uuid) this.link(parent, uuid, 'agent', true, updates);
    }
    if (facts.eventName === 'CHANNEL_BRIDGE' && facts.bridgeA !== undefined && facts.bridgeB !== undefined) {
      this.link(facts.bridgeA, facts.bridgeB, 'agent', true, updates);
    }
    const target = eavesdropTarget(facts);
    if (target !== undefined && target !== uuid) this.link(target, uuid, 'supervisor', false, updates);

    const route = this.routes.get(uuid)!;
    const stored = this.calls.get(route.callId);
    const next = reduceCall(stored ?? emptyCall(route.callId, node), facts, route.role, node);
    if (quietIfSame && stored !== undefined && sameCall(stored, next)) return updates;
    this.store(next, cause, updates);
    return updates;
  }

  /**
   * Puts `child` into `parent`'s call with `role`. With `wholesale`, a call named after
   * the child (one it founded) moves entirely, supervisors included; otherwise the child
   * leg moves alone and leaves the rest of its old call where it was.
   */
  private link(parent: string, child: string, role: LegRole, wholesale: boolean, updates: CallUpdate[]): void {
    const targetId = this.ensureRoute(parent).callId;
    const current = this.routes.get(child);
    if (current === undefined) {
      this.route(child, { callId: targetId, role });
      return;
    }
    if (current.callId === targetId) {
      if (current.role !== role && role === 'supervisor') this.route(child, { callId: targetId, role });
      return;
    }
    const sourceId = current.callId;
    let source = this.calls.get(sourceId);
    let target = this.calls.get(targetId) ?? emptyCall(targetId, source?.node.name ?? '');
    const movers = wholesale && sourceId === child ? [...(this.routedTo.get(sourceId) ?? [])] : [child];
    for (const uuid of movers) {
      const moverRole = uuid === child ? role : this.routes.get(uuid)!.role === 'caller' ? 'agent' : this.routes.get(uuid)!.role;
      if (source !== undefined) {
        const { call: rest, detached } = detachLeg(source, uuid);
        source = rest;
        if (detached !== undefined) target = attachLeg(target, detached, moverRole);
      }
      this.route(uuid, { callId: targetId, role: moverRole });
    }
    this.calls.set(targetId, target);
    this.reindexAgents(target);
    if (source !== undefined) {
      if (source.legs.length === 0) {
        this.forget(sourceId, false);
        updates.push({ kind: 'absorbed', call: source, into: targetId });
      } else {
        this.calls.set(sourceId, source);
        this.reindexAgents(source);
        updates.push({ kind: 'updated', call: source });
      }
    }
  }

  private ensureRoute(uuid: string): Route {
    let route = this.routes.get(uuid);
    if (route === undefined) {
      route = { callId: uuid, role: 'caller' };
      this.route(uuid, route);
    }
    return route;
  }

  private route(uuid: string, route: Route): void {
    const old = this.routes.get(uuid);
    if (old !== undefined) this.routedTo.get(old.callId)?.delete(uuid);
    this.routes.set(uuid, route);
    let set = this.routedTo.get(route.callId);
    if (set === undefined) this.routedTo.set(route.callId, (set = new Set()));
    set.add(uuid);
  }

  /** Keeps (or, once ended, forgets) the call's new state; appends the update to `updates` and returns it. */
  private store(call: CallState, cause: ChannelMessage | undefined, updates: CallUpdate[]): CallUpdate[] {
    if (call.ended) {
      this.forget(call.callId, true);
      updates.push(cause === undefined ? { kind: 'ended', call } : { kind: 'ended', call, cause });
      return updates;
    }
    const before = this.calls.get(call.callId);
    this.calls.set(call.callId, call);
    // The index follows the legs alone; most events leave the legs array as it was.
    if (before === undefined || before.legs !== call.legs) this.reindexAgents(call);
    updates.push(cause === undefined ? { kind: 'updated', call } : { kind: 'updated', call, cause });
    return updates;
  }

  /** Removes a call and everything that points at it. */
  private forget(callId: string, dropRoutes: boolean): void {
    this.calls.delete(callId);
    for (const ext of this.agentsOfCall.get(callId) ?? []) this.unindex(ext, callId);
    this.agentsOfCall.delete(callId);
    const routed = this.routedTo.get(callId);
    if (routed !== undefined && dropRoutes) {
      for (const uuid of routed) {
        this.routes.delete(uuid);
        this.firstSeen.delete(uuid);
      }
    }
    if (dropRoutes || routed === undefined || routed.size === 0) this.routedTo.delete(callId);
  }

  private reindexAgents(call: CallState): void {
    const now = [...new Set(call.legs.filter((l) => l.role === 'agent' && l.extension !== undefined).map((l) => l.extension!))];
    const before = this.agentsOfCall.get(call.callId) ?? [];
    for (const ext of before) if (!now.includes(ext)) this.unindex(ext, call.callId);
    for (const ext of now) {
      let ids = this.agentIndex.get(ext);
      if (ids === undefined) this.agentIndex.set(ext, (ids = new Set()));
      ids.add(call.callId);
    }
    if (now.length === 0) this.agentsOfCall.delete(call.callId);
    else this.agentsOfCall.set(call.callId, now);
  }

  private unindex(ext: string, callId: string): void {
    const ids = this.agentIndex.get(ext);
    if (ids === undefined) return;
    ids.delete(callId);
    if (ids.size === 0) this.agentIndex.delete(ext);
  }
}

/** The a-leg a b-leg belongs to, from its own headers (outbound legs only). */
function parentOf(facts: ChannelFacts): string | undefined {
  if (facts.direction !== 'outbound') return undefined;
  if (facts.callUuid !== undefined && facts.callUuid !== facts.uniqueId) return facts.callUuid;
  if (facts.otherLeg !== undefined && facts.otherLeg !== facts.uniqueId) return facts.otherLeg;
  return undefined;
}

/**
 * Whether `next` holds exactly what `call` holds: the reducer keeps every part an input leaves
 * as it was (legs, recordings, digits, …) as the same object, so a field-by-field identity
 * check is enough.
 */
function sameCall(call: CallState, next: CallState): boolean {
  const keys = Object.keys(next) as Array<keyof CallState>;
  if (keys.length !== Object.keys(call).length) return false;
  for (const k of keys) if (call[k] !== next[k]) return false;
  return true;
}
