/**
 * A YAML or JSON file as a tree whose every node keeps its place (line:column) and its YAML tag, so an
 * importer can evaluate CloudFormation's short-form intrinsics (`!Ref`, `!Sub`...) and report each policy
 * and resource at the line the user wrote it. The `yaml` library parses; unknown tags are kept on the node
 * (CloudFormation's are not YAML 1.2 core tags), which is all the importers need from it.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { RolecallError, type ErrorPlace } from '../../errors.js';
import { setOwn } from '../../own-key.js';

export interface SourcePlace {
  file: string;
  line: number;
  column: number;
  /** JSON path of the node, such as `$.Resources.Role.Properties`. */
  path: string;
}

export type SourceNode =
  | { kind: 'scalar'; value: string | number | boolean | null; tag?: string; place: SourcePlace }
  | { kind: 'seq'; items: SourceNode[]; tag?: string; place: SourcePlace }
  | { kind: 'map'; entries: Map<string, SourceNode>; tag?: string; place: SourcePlace };

export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_][\w]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Parses `text` (YAML or JSON); throws InvalidFile listing every syntax problem with its place. */
export function parseSource(text: string, file: string): SourceNode {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, keepSourceTokens: false });
  const details: { message: string; place: ErrorPlace }[] = [];
  for (const e of doc.errors) {
    const pos = e.linePos?.[0];
    details.push({
      message: e.message.split('\n')[0] ?? e.message,
      place: { file, ...(pos ? { line: pos.line, column: pos.col } : {}) },
    });
  }
  if (details.length > 0)
    throw new RolecallError(
      'InvalidFile',
      `\`${file}\` has ${details.length} problem${details.length === 1 ? '' : 's'}`,
      { file },
      details,
    );
  const placeOf = (node: Node | null | undefined, path: string): SourcePlace => {
    const start = node?.range?.[0] ?? 0;
    const pos = lineCounter.linePos(start);
    return { file, line: pos.line, column: pos.col, path };
  };
  // A mapping's entry is placed at its key (`PolicyDocument:`), where a reader looks for it.
  const walk = (node: unknown, path: string, at?: Node): SourceNode => {
    const place = (n: Node | null | undefined, p: string) => placeOf(at ?? n, p);
    if (isMap(node)) {
      const entries = new Map<string, SourceNode>();
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        entries.set(k, walk(pair.value, childPath(path, k), isScalar(pair.key) ? pair.key : undefined));
      }
      return { kind: 'map', entries, ...(node.tag ? { tag: node.tag } : {}), place: place(node, path) };
    }
    if (isSeq(node))
      return {
        kind: 'seq',
        items: node.items.map((n, i) => walk(n, childPath(path, i))),
        ...(node.tag ? { tag: node.tag } : {}),
        place: place(node, path),
      };
    if (isScalar(node)) {
      const v = node.value;
      const value =
        v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
          ? v
          : JSON.stringify(v);
      return { kind: 'scalar', value, ...(node.tag ? { tag: node.tag } : {}), place: place(node, path) };
    }
    return { kind: 'scalar', value: null, place: place(undefined, path) };
  };
  return walk(doc.contents, '$');
}

/** The plain value of a node (tags ignored). */
export function plain(n: SourceNode): unknown {
  if (n.kind === 'scalar') return n.value;
  if (n.kind === 'seq') return n.items.map(plain);
  const o: Record<string, unknown> = {};
  for (const [k, v] of n.entries) setOwn(o, k, plain(v));
  return o;
}

export function get(n: SourceNode | undefined, key: string): SourceNode | undefined {
  return n?.kind === 'map' ? n.entries.get(key) : undefined;
}

export function str(n: SourceNode | undefined): string | undefined {
  if (n?.kind !== 'scalar' || n.value === null) return undefined;
  return String(n.value);
}

/** `file:line:column` of a place. */
export function formatSourcePlace(p: SourcePlace): string {
  return `${p.file}:${p.line}:${p.column}`;
}
