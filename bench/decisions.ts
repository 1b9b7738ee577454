/**
 * Decision speed on the EMR conformance requests (../shared/conformance/emr-roles.json, compiled once,
 * round-robin), against peers measured in the same run, interleaved in rounds so that every contender
 * sees the same machine:
 * - the floor: per request a Map lookup of the principal, an ARN prefix test and a tag lookup, the least
 *   work any engine must do; rolecall's explain-off time is printed as a multiple of it;
 * - rolecall with explanations;
 * - @cloud-copilot/iam-simulate (a devDependency used only here), after its own warm-up;
 * - the warm store-backed decision (`openControlPlane().decide`: the resolver's cached policy set and
 *   context, the store's revision check, then the engine) over SQLite stores of 10 and 10,000 roles, every
 *   role in turn (./store-setup.ts);
 * - the same over the 10 roles' store with an object key never decided before in every request (real
 *   clients read and write many distinct keys of few buckets), printed as a multiple of the warm one;
 * - the same warm decision over a PostgreSQL store of 10 roles, when PostgreSQL is reachable
 *   (`ROLECALL_BENCH_PG`), printed as a multiple of the SQLite one: its revision is heard through
 *   LISTEN/NOTIFY and confirmed by a query at most once per revision window, not read per decision.
 * Every decision is checked against the scenario's `expect` (AWS's answer) first, and the heap held by a
 * compiled policy set is measured when the run exposes the collector (`npm run bench` does).
 * Run with `npm run bench` (compiled JavaScript, as a library user runs it).
 */
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { authorize } from '../src/eval/index.js';
import { buildPolicySet, loadScenarioFile, type Scenario } from '../src/scenario/index.js';
import type { Decision, PolicySet } from '../src/eval/types.js';
import { benchPostgresUnavailable, benchStore, BENCH_PG_URL, type BenchStore } from './store-setup.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = 6;
const file = path.resolve(
  process.env.ROLECALL_SHARED ?? path.resolve(process.cwd(), '../shared'),
  'conformance/emr-roles.json',
);
const scenarios = loadScenarioFile(file);
const env = { now: Date.UTC(2026, 0, 1) };
const explainEnv = { ...env, explain: true };

function fmt(ns: number): string {
  return ns < 1000
    ? `${ns.toFixed(0)} ns`
    : ns < 1e6
      ? `${(ns / 1000).toFixed(2)} µs`
      : `${(ns / 1e6).toFixed(2)} ms`;
}

const compiled = scenarios.map((s) => ({
  request: s.request,
  set: buildPolicySet(s.policies, s.request.action).set,
}));

// 1. Every decision is AWS's (the scenario's expect), with and without explanations.
const wrong: string[] = [];
for (let i = 0; i < scenarios.length; i++) {
  const s = scenarios[i]!;
  const off = authorize(compiled[i]!.request, compiled[i]!.set, env).decision;
  const on = authorize(compiled[i]!.request, compiled[i]!.set, explainEnv).decision;
  if (off !== s.expect || on !== s.expect)
    wrong.push(`  ${s.name}: rolecall ${off} (explained: ${on}), AWS ${s.expect}`);
}

// 2. The floor's data: per request, its principal's entry with a resource prefix and tags.
const principalKey = (s: Scenario) =>
  typeof s.request.principal === 'string' ? s.request.principal : s.request.principal.Service;
const floorData = new Map<string, { prefix: string; tags: Map<string, string> }>();
for (const s of scenarios) {
  floorData.set(principalKey(s), {
    prefix: s.request.resource.slice(0, Math.max(0, s.request.resource.lastIndexOf(':'))),
    tags: new Map([['for-use-with-amazon-emr-managed-policies', 'true']]),
  });
}
const floorRequests = scenarios.map((s) => ({ principal: principalKey(s), resource: s.request.resource }));
let floorHits = 0;

// 3. iam-simulate's input: the policy JSON with each request.
function simulation(s: Scenario): Simulation {
  const p = s.policies;
  const principal = principalKey(s);
  const arnAccount = s.request.resource.split(':')[4];
  const principalAccount = principal.split(':')[4];
  const accountId = s.request.resourceAccount ?? (arnAccount || principalAccount || '111122223333');
  const sim = {
    identityPolicies: (p.identity ?? []).map((policy, i) => ({ name: `identity${i}`, policy })),
    serviceControlPolicies: (p.scp ?? []).map((lvl, i) => ({
      orgIdentifier: `level${i}`,
      policies: lvl.map((policy, j) => ({ name: `scp${i}-${j}`, policy })),
    })),
    resourceControlPolicies: (p.rcp ?? []).map((lvl, i) => ({
      orgIdentifier: `level${i}`,
      policies: lvl.map((policy, j) => ({ name: `rcp${i}-${j}`, policy })),
    })),
    request: {
      action: s.request.action,
      principal,
      resource: { accountId, resource: s.request.resource },
      contextVariables: (s.request.context ?? {}) as Record<string, string | string[]>,
    },
  } as unknown as Simulation;
  if (p.resource !== undefined) (sim as { resourcePolicy?: unknown }).resourcePolicy = p.resource;
  if (p.boundary !== undefined)
    (sim as { permissionBoundaryPolicies?: unknown }).permissionBoundaryPolicies = [
      { name: 'boundary', policy: p.boundary },
    ];
  return sim;
}
const THEIRS: Record<string, Decision> = {
  Allowed: 'Allow',
  ExplicitlyDenied: 'ExplicitDeny',
  ImplicitlyDenied: 'ImplicitDeny',
};
const sims = scenarios.map(simulation);
const disagreements: string[] = [];
for (let i = 0; i < sims.length; i++) {
  const r = await runSimulation(sims[i]!, {});
  const theirs =
    r.resultType === 'error' ? `error: ${r.errors.message}` : (THEIRS[r.overallResult] ?? r.overallResult);
  if (theirs !== scenarios[i]!.expect)
    disagreements.push(`  ${scenarios[i]!.name}: iam-simulate ${theirs}, AWS ${scenarios[i]!.expect}`);
}

// 4. The store-backed decision over 10 and 10,000 roles, every answer checked; PostgreSQL's when reachable.
const stores: [BenchStore, BenchStore] = [await benchStore(10), await benchStore(10_000)];
const pgDown = await benchPostgresUnavailable();
const pgStore = pgDown === undefined ? await benchStore(10, 'postgres') : undefined;
const storeWrong = new Set<string>();
async function storeDecisions(b: BenchStore, from: number, count: number): Promise<void> {
  for (let k = 0; k < count; k++) {
    const r = b.requests[(from + k) % b.requests.length]!;
    const { result } = await b.cp.decide(r, env);
    if (result.decision !== r.expect)
      storeWrong.add(`  ${r.principal} ${r.action} ${r.resource}: ${result.decision}, expected ${r.expect}`);
  }
}
/** The same requests, each on an object key of its bucket that no request named before. */
let objectKeys = 0;
async function newKeyDecisions(b: BenchStore, from: number, count: number): Promise<void> {
  for (let k = 0; k < count; k++) {
    const r = b.requests[(from + k) % b.requests.length]!;
    const request = { ...r, resource: r.resource.replace('part-0000', `part-${++objectKeys}`) };
    const { result } = await b.cp.decide(request, env);
    if (result.decision !== r.expect)
      storeWrong.add(
        `  ${r.principal} ${r.action} ${request.resource}: ${result.decision}, expected ${r.expect}`,
      );
  }
}
// Warm: every request of every store decided once.
for (const b of [...stores, ...(pgStore ? [pgStore] : [])]) await storeDecisions(b, 0, b.requests.length);

/** A contender: runs `batch` decisions per call; its time and count add up over the rounds. */
interface Contender {
  name: string;
  batch: number;
  run: (from: number) => void | Promise<void>;
  ns: number;
  count: number;
  samples: number[];
}
const BATCH = 64;
const contenders: Contender[] = [
  {
    name: 'floor (Map + ARN prefix + tag)',
    batch: BATCH,
    run: (from: number) => {
      for (let k = 0; k < BATCH; k++) {
        const r = floorRequests[(from + k) % floorRequests.length]!;
        const e = floorData.get(r.principal);
        if (e !== undefined && r.resource.startsWith(e.prefix) && e.tags.get('team') === undefined)
          floorHits++;
      }
    },
  },
  {
    name: 'rolecall, explain off',
    batch: BATCH,
    run: (from: number) => {
      for (let k = 0; k < BATCH; k++) {
        const c = compiled[(from + k) % compiled.length]!;
        authorize(c.request, c.set, env);
      }
    },
  },
  {
    name: 'rolecall, explain on',
    batch: 8,
    run: (from: number) => {
      for (let k = 0; k < 8; k++) {
        const c = compiled[(from + k) % compiled.length]!;
        authorize(c.request, c.set, explainEnv);
      }
    },
  },
  {
    name: 'store-backed, 10 roles',
    batch: 16,
    run: (from: number) => storeDecisions(stores[0], from, 16),
  },
  {
    name: 'store-backed, 10,000 roles',
    batch: 16,
    run: (from: number) => storeDecisions(stores[1], from, 16),
  },
  {
    name: 'iam-simulate',
    batch: 1,
    run: async (from: number) => {
      await runSimulation(sims[from % sims.length]!, {});
    },
  },
  {
    name: 'store-backed, new object keys',
    batch: 16,
    run: (from: number) => newKeyDecisions(stores[0], from, 16),
  },
  ...(pgStore
    ? [
        {
          name: 'store-backed, 10 roles, PG',
          batch: 16,
          run: (from: number) => storeDecisions(pgStore, from, 16),
        },
      ]
    : []),
].map((c) => ({ ...c, ns: 0, count: 0, samples: [] as number[] }));

// Warm-up of every contender (iam-simulate's own included) before anything is timed.
for (const c of contenders) {
  const until = performance.now() + 500;
  for (let i = 0; performance.now() < until; i += c.batch) await c.run(i);
}

let collections = 0;
const gcObserver = new PerformanceObserver((list) => {
  collections += list.getEntries().length;
});
for (let round = 0; round < ROUNDS; round++) {
  for (const c of contenders) {
    const explainOff = c.name === 'rolecall, explain off';
    if (explainOff) gcObserver.observe({ entryTypes: ['gc'] });
    const end = process.hrtime.bigint() + BigInt(Math.round((SECONDS / ROUNDS) * 1e9));
    let now = process.hrtime.bigint();
    while (now < end) {
      const t0 = now;
      await c.run(c.count);
      now = process.hrtime.bigint();
      const ns = Number(now - t0);
      c.ns += ns;
      c.count += c.batch;
      c.samples.push(ns / c.batch);
    }
    if (explainOff) {
      // Entries arrive asynchronously: let them in before the next contender runs.
      await new Promise((resolve) => setTimeout(resolve, 20));
      gcObserver.disconnect();
    }
  }
}

const perDecision = (c: Contender) => c.ns / c.count;
const median = (c: Contender) => c.samples.sort((a, b) => a - b)[Math.floor(c.samples.length / 2)]!;
const p99 = (c: Contender) => c.samples[Math.min(c.samples.length - 1, Math.floor(c.samples.length * 0.99))]!;
const [floor, off, on, store10, store10k, theirs, storeKeys, storePg] = contenders as [
  Contender,
  Contender,
  Contender,
  Contender,
  Contender,
  Contender,
  Contender,
  Contender | undefined,
];
console.log(
  `${scenarios.length} requests of ${path.basename(file)}, ${ROUNDS} interleaved rounds, ${SECONDS}s per contender`,
);
for (const c of contenders) {
  console.log(
    `${c.name.padEnd(32)} ${fmt(perDecision(c)).padStart(9)}/decision  ${Math.round(1e9 / perDecision(c))
      .toLocaleString('en-US')
      .padStart(11)}/s  median ${fmt(median(c))}  p99 ${fmt(p99(c))}`,
  );
}
// Ratios of medians: on a shared machine the means carry other processes' preemptions.
console.log(
  `ratio  rolecall explain off / floor        = ${(median(off) / median(floor)).toFixed(1)}x (medians)`,
);
console.log(
  `ratio  rolecall explain on / explain off   = ${(median(on) / median(off)).toFixed(1)}x (medians)`,
);
console.log(
  `ratio  store-backed 10,000 / 10 roles      = ${(median(store10k) / median(store10)).toFixed(2)}x (medians)`,
);
console.log(
  `ratio  store-backed 10 roles / explain off = ${(median(store10) / median(off)).toFixed(1)}x (medians)`,
);
console.log(
  `ratio  store-backed new keys / warm 10 roles = ${(median(storeKeys) / median(store10)).toFixed(2)}x (medians)`,
);
console.log(
  `ratio  iam-simulate / rolecall explain off = ${(median(theirs) / median(off)).toFixed(0)}x (medians)`,
);
console.log(
  storePg !== undefined
    ? `ratio  store-backed 10 roles PG / SQLite   = ${(median(storePg) / median(store10)).toFixed(2)}x (medians)`
    : `store-backed on PostgreSQL: not measured, PostgreSQL not reachable at ${BENCH_PG_URL}: ${pgDown}`,
);
console.log(
  `garbage collections during rolecall explain off: ${collections} (floor hits ${floorHits > 0 ? 'seen' : 'none'})`,
);

// 5. Heap held by one compiled policy set (the role's policies, parsed with positions and compiled).
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined)
  console.log('compiled policy set: run with --expose-gc (npm run bench does) to measure its heap');
else {
  const COPIES = 20;
  gc();
  const before = process.memoryUsage().heapUsed;
  const keep: PolicySet[] = [];
  for (let k = 0; k < COPIES; k++)
    for (const s of scenarios) keep.push(buildPolicySet(s.policies, s.request.action).set);
  gc();
  const held = (process.memoryUsage().heapUsed - before) / keep.length;
  console.log(`compiled policy set: ${(held / 1024).toFixed(1)} KiB of heap each (${keep.length} held)`);
}

console.log(
  wrong.length === 0
    ? `decisions: rolecall gives AWS's answer on all ${scenarios.length} requests`
    : `decisions: rolecall differs from AWS on ${wrong.length} requests:\n${wrong.join('\n')}`,
);
console.log(
  disagreements.length === 0
    ? "decisions: iam-simulate gives AWS's answer on all requests"
    : `decisions: iam-simulate differs from AWS on ${disagreements.length} requests:\n${disagreements.join('\n')}`,
);
console.log(
  storeWrong.size === 0
    ? `decisions: store-backed gives the expected answer on all ${stores[0].requests.length + stores[1].requests.length + (pgStore?.requests.length ?? 0)} requests`
    : `decisions: store-backed differs on ${storeWrong.size} requests:\n${[...storeWrong].join('\n')}`,
);
for (const b of [...stores, ...(pgStore ? [pgStore] : [])]) await b.close();
if (wrong.length > 0 || storeWrong.size > 0) process.exitCode = 1;
