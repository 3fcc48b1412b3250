// Aggregates a V8 heap snapshot by node type and constructor/closure name, and diffs two of
// them per connection: what an idle connection keeps alive in one stack and not in the other.
import { readFileSync } from 'node:fs';

/**
 * `Map<"type name", { count, bytes }>` of a .heapsnapshot file. Plain objects are told apart by
 * their property names (`Object{subject,sessionId,…}`), contexts by their variable names, so
 * that a diff says which object or closure scope it is.
 */
export function aggregateHeapSnapshot(file) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snapshot.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const edgeFields = meta.edge_fields;
  const edgeTypes = meta.edge_types[0];
  const stride = fields.length;
  const edgeStride = edgeFields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const edgeCountAt = fields.indexOf('edge_count');
  const edgeTypeAt = edgeFields.indexOf('type');
  const edgeNameAt = edgeFields.indexOf('name_or_index');
  const { nodes, edges, strings } = snapshot;
  const totals = new Map();
  let edgeIndex = 0;
  for (let index = 0; index < nodes.length; index += stride) {
    const type = types[nodes[index + typeAt]];
    const edgeCount = nodes[index + edgeCountAt];
    let name =
      type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number'
        ? ''
        : strings[nodes[index + nameAt]];
    const wanted =
      (type === 'object' && name === 'Object') || name === 'system / Context'
        ? name === 'Object'
          ? 'property'
          : 'context'
        : undefined;
    if (wanted !== undefined) {
      const names = [];
      for (
        let edge = edgeIndex;
        edge < edgeIndex + edgeCount * edgeStride && names.length < 8;
        edge += edgeStride
      ) {
        if (edgeTypes[edges[edge + edgeTypeAt]] === wanted) names.push(strings[edges[edge + edgeNameAt]]);
      }
      name = `${name === 'Object' ? 'Object' : 'Context'}{${names.join(',')}}`;
    }
    edgeIndex += edgeCount * edgeStride;
    const key = `${type}\t${name.length > 100 ? `${name.slice(0, 97)}...` : name}`;
    const entry = totals.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += nodes[index + sizeAt];
    totals.set(key, entry);
  }
  return totals;
}

/** Entries of `a` minus `b`, per connection, largest byte differences first. */
export function diffPerConnection(a, b, connections, top = 30) {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const rows = [];
  for (const key of keys) {
    const left = a.get(key) ?? { count: 0, bytes: 0 };
    const right = b.get(key) ?? { count: 0, bytes: 0 };
    const [type, name] = key.split('\t');
    rows.push({
      type,
      name,
      countPerConnection: (left.count - right.count) / connections,
      bytesPerConnection: (left.bytes - right.bytes) / connections,
    });
  }
  rows.sort((x, y) => Math.abs(y.bytesPerConnection) - Math.abs(x.bytesPerConnection));
  return rows.slice(0, top);
}

/** Total self size of a snapshot aggregate, in bytes. */
export function totalBytes(aggregate) {
  let total = 0;
  for (const { bytes } of aggregate.values()) total += bytes;
  return total;
}
