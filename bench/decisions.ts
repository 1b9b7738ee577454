/**
 * Decision throughput on the EMR conformance requests: rolecall (policies compiled once) against
 * @cloud-copilot/iam-simulate (a devDependency used only here, for comparison), measured in the same
 * process, round-robin over the 37 requests of ../shared/conformance/emr-roles.json.
 * Run with `npm run bench` (compiled JavaScript, as a library user runs it).
 */
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { authorize } from '../src/eval/index.js';
import { buildPolicySet, loadScenarioFile, type Scenario } from '../src/scenario/index.js';
import type { Decision } from '../src/eval/types.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const file = path.resolve(
  process.env.ROLECALL_SHARED ?? path.resolve(process.cwd(), '../shared'),
  'conformance/emr-roles.json',
);
const scenarios = loadScenarioFile(file);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

function fmt(ns: number): string {
  return ns < 1000
    ? `${ns.toFixed(0)} ns`
    : ns < 1e6
      ? `${(ns / 1000).toFixed(1)} µs`
      : `${(ns / 1e6).toFixed(2)} ms`;
}

// rolecall: compile once, decide in batches; a batch's time divided by its size is one sample.
const compiled = scenarios.map((s) => ({
  request: s.request,
  set: buildPolicySet(s.policies, s.request.action).set,
}));
const env = { now: Date.UTC(2026, 0, 1) };
const BATCH = 64;
for (let i = 0; i < 200_000; i++)
  authorize(compiled[i % compiled.length]!.request, compiled[i % compiled.length]!.set, env);
const samples: number[] = [];
let n = 0;
let collections = 0;
// Garbage collections during the run: the hot path is meant to allocate nothing per decision.
const gcObserver = new PerformanceObserver((list) => {
  collections += list.getEntries().length;
});
gcObserver.observe({ entryTypes: ['gc'] });
const start = process.hrtime.bigint();
const end = start + BigInt(SECONDS * 1e9);
let now = start;
while (now < end) {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < BATCH; k++) {
    const c = compiled[n++ % compiled.length]!;
    authorize(c.request, c.set, env);
  }
  now = process.hrtime.bigint();
  samples.push(Number(now - t0) / BATCH);
}
const ours = n / (Number(now - start) / 1e9);
// Entries are delivered asynchronously, after the synchronous run: let them arrive before stopping.
await new Promise((resolve) => setTimeout(resolve, 50));
gcObserver.disconnect();
samples.sort((a, b) => a - b);
console.log(
  `rolecall       ${Math.round(ours).toLocaleString('en-US').padStart(12)} decisions/s  median ${fmt(percentile(samples, 50))}  p99 ${fmt(percentile(samples, 99))}  (${n.toLocaleString('en-US')} decisions, batches of ${BATCH}, ${collections} garbage collections)`,
);

// iam-simulate: its API takes the policy JSON with each request.
function simulation(s: Scenario): Simulation {
  const p = s.policies;
  const principal =
    typeof s.request.principal === 'string' ? s.request.principal : s.request.principal.Service;
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
  const mine = authorize(compiled[i]!.request, compiled[i]!.set, env).decision;
  if (theirs !== mine)
    disagreements.push(
      `  ${scenarios[i]!.name}: rolecall ${mine}, iam-simulate ${theirs}, AWS ${scenarios[i]!.expect}`,
    );
}
const theirSamples: number[] = [];
let m = 0;
const tStart = process.hrtime.bigint();
const tEnd = tStart + BigInt(SECONDS * 1e9);
let tNow = tStart;
while (tNow < tEnd) {
  const t0 = process.hrtime.bigint();
  await runSimulation(sims[m++ % sims.length]!, {});
  tNow = process.hrtime.bigint();
  theirSamples.push(Number(tNow - t0));
}
const theirs = m / (Number(tNow - tStart) / 1e9);
theirSamples.sort((a, b) => a - b);
console.log(
  `iam-simulate   ${Math.round(theirs).toLocaleString('en-US').padStart(12)} decisions/s  median ${fmt(percentile(theirSamples, 50))}  p99 ${fmt(percentile(theirSamples, 99))}  (${m.toLocaleString('en-US')} decisions, one at a time)`,
);
console.log(`ratio          rolecall / iam-simulate = ${(ours / theirs).toFixed(1)}x`);
console.log(
  disagreements.length === 0
    ? 'decisions: both agree on all requests'
    : `decisions differ on ${disagreements.length} requests:\n${disagreements.join('\n')}`,
);
