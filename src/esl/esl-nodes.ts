// The FreeSWITCH nodes one daemon controls: `esl.nodes`, or the single `esl` section as one node; names and the checks a schema cannot express.

/** One FreeSWITCH node as the daemon dials it (every default filled in). */
export interface EslNodeConfig {
  /** The daemon's name for the node: in logs, metrics labels, the call's `node` and MQTT payloads. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly password: string;
}

/** As written in config: `esl.nodes[i]`; port and password default to `esl.port` / `esl.password`. */
export interface EslNodeSetting {
  readonly name?: string;
  readonly host: string;
  readonly port?: number;
  readonly password?: string;
}

/** The part of the `esl` section that names nodes. */
export interface EslNodesSection {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  /** The single node's name (default `${host}:${port}`, as before there were several). */
  readonly name?: string;
  readonly nodes?: readonly EslNodeSetting[];
}

export const NODE_NAME_PATTERN = '^[A-Za-z0-9_.:\\[\\]-]{1,64}$';

export const ESL_NODE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['host'],
  properties: {
    name: { type: 'string', pattern: NODE_NAME_PATTERN },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    password: { type: 'string', minLength: 1, pattern: '^[^\\r\\n]*$' },
  },
} as const;

/**
 * The nodes, in config order. Without `esl.nodes` (or with an empty list) the `esl` section
 * itself is the one node, named `${host}:${port}` unless `esl.name` says otherwise — the name
 * every single-node daemon has always tagged its calls with.
 */
export function eslNodesOf(esl: EslNodesSection): EslNodeConfig[] {
  if (esl.nodes === undefined || esl.nodes.length === 0) {
    return [{ name: esl.name ?? `${esl.host}:${esl.port}`, host: esl.host, port: esl.port, password: esl.password }];
  }
  return esl.nodes.map((n) => {
    const port = n.port ?? esl.port;
    return { name: n.name ?? `${n.host}:${port}`, host: n.host, port, password: n.password ?? esl.password };
  });
}

/** Cross-entry rules (the schema has passed): a name or an address given twice. */
export function eslNodesProblems(esl: EslNodesSection): string[] {
  if (esl.nodes === undefined || esl.nodes.length === 0) return [];
  const problems: string[] = [];
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  eslNodesOf(esl).forEach((node, i) => {
    const sameName = names.get(node.name);
    if (sameName !== undefined) problems.push(`esl.nodes.${i}.name: "${node.name}" is already the name of esl.nodes.${sameName} (each node needs its own name)`);
    else names.set(node.name, i);
    const address = `${node.host.toLowerCase()}:${node.port}`;
    const sameAddress = addresses.get(address);
    if (sameAddress !== undefined) problems.push(`esl.nodes.${i}: ${node.host}:${node.port} is already esl.nodes.${sameAddress} (one FreeSWITCH dialled twice would run every command twice)`);
    else addresses.set(address, i);
  });
  if (esl.name !== undefined) problems.push('esl.name: names the single node of the esl section; with esl.nodes give each node its own name instead');
  return problems;
}
