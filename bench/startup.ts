/**
 * Start-up of the `rolecall` bin (issue 13: `--help` and a one-decision `simulate` within 2x a bare
 * `node -e 0`): each command is a fresh process, run the way a user runs it, against a bare Node start
 * measured in the same run. Every round runs each contender once, in turn, so that all of them see the
 * same machine however its load changes; the medians over the rounds are printed, in ms and as a
 * multiple of the bare start.
 *
 * Two baselines, because the environment changes what a bare start costs: as given, and with
 * NODE_EXTRA_CA_CERTS unset on both sides. Node reads that file's certificates at every start (~60 ms for
 * a system bundle), which would hide the CLI's own cost behind a slow baseline; the clean ratio is the
 * honest one.
 *
 * Every run's output is checked (the help's usage line; the simulate's decision and exit code); a wrong
 * answer fails the bench.
 *
 *   npm run bench:startup                           # 15 rounds
 *   ROLECALL_BENCH_ROUNDS=30 npm run bench:startup
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeDecisionFixture } from '../scripts/decision-fixture.js';
import { staleSource } from '../scripts/stale-dist.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/rolecall.cjs');
const rounds = Math.min(Math.max(Math.round(Number(process.env.ROLECALL_BENCH_ROUNDS ?? 15)) || 15, 3), 200);

interface Contender {
  name: string;
  args: string[];
  /** Why the run's output is wrong, if it is. */
  check: (status: number | null, stdout: string, stderr: string) => string | undefined;
}

interface Baseline {
  name: string;
  env: NodeJS.ProcessEnv;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * CPU ms (user + system) used so far by this process's waited-for children, from /proc (in clock ticks
 * of 10 ms; summed over the rounds it is the steadier figure on a shared machine); undefined without /proc.
 */
function childrenCpuMs(): number | undefined {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (in parentheses, may hold spaces): cutime is the 16th, cstime the 17th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

function run(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const cpuBefore = childrenCpuMs();
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
  const ms = performance.now() - start;
  const cpuAfter = childrenCpuMs();
  const cpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  return { ms, cpuMs, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function decided(decision: string) {
  return (status: number | null, stdout: string, stderr: string) =>
    status === 0 && stdout.startsWith(`${decision}:`) && stderr === ''
      ? undefined
      : `exit ${status}, stdout ${JSON.stringify(stdout.slice(0, 200))}, stderr ${JSON.stringify(stderr.slice(0, 200))}`;
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-startup-'));
  try {
    const { policy, store, setup, request } = writeDecisionFixture(dir);
    const env: NodeJS.ProcessEnv = { ...process.env, ROLECALL_SECRET_KEY: '' };
    for (const args of setup) {
      const r = run([bin, ...args], env, dir);
      if (r.status !== 0) throw new Error(`rolecall ${args.join(' ')} failed: ${r.stderr}`);
    }

    const contenders: Contender[] = [
      {
        name: 'node -e 0',
        args: ['-e', '0'],
        check: (status) => (status === 0 ? undefined : `exit ${status}`),
      },
      {
        name: 'rolecall --help',
        args: [bin, '--help'],
        check: (status, stdout) =>
          status === 0 && stdout.startsWith('Usage: rolecall')
            ? undefined
            : `exit ${status}, stdout ${stdout.slice(0, 80)}`,
      },
      {
        name: 'rolecall simulate --policy (ad hoc)',
        args: [bin, 'simulate', '--policy', policy, ...request],
        check: decided('Allow'),
      },
      {
        name: 'rolecall simulate --store',
        args: [bin, 'simulate', '--store', store, ...request],
        check: decided('Allow'),
      },
    ];
    const clean = { ...env };
    delete clean.NODE_EXTRA_CA_CERTS;
    const baselines: Baseline[] = [
      {
        name:
          env.NODE_EXTRA_CA_CERTS === undefined
            ? 'environment as given (NODE_EXTRA_CA_CERTS not set)'
            : `environment as given (NODE_EXTRA_CA_CERTS=${env.NODE_EXTRA_CA_CERTS})`,
        env,
      },
      { name: 'NODE_EXTRA_CA_CERTS unset on both sides', env: clean },
    ];

    // One warm-up run of each (the file system cache), not reported.
    for (const b of baselines) for (const c of contenders) run(c.args, b.env, dir);

    const times = baselines.map(() => contenders.map((): number[] => []));
    const cpu = baselines.map(() => contenders.map((): (number | undefined)[] => []));
    const failures: string[] = [];
    for (let round = 0; round < rounds; round++) {
      baselines.forEach((b, bi) => {
        contenders.forEach((c, ci) => {
          const r = run(c.args, b.env, dir);
          const wrong = c.check(r.status, r.stdout, r.stderr);
          if (wrong !== undefined) failures.push(`${c.name} (${b.name}): ${wrong}`);
          times[bi]![ci]!.push(r.ms);
          cpu[bi]![ci]!.push(r.cpuMs);
        });
      });
    }

    const [load1] = os.loadavg();
    console.log(
      `\nrolecall start-up, ${os.cpus().length} CPUs, load average ${load1?.toFixed(2)}, Node ${process.version}, ${rounds} rounds: ` +
        'median wall ms per process, and mean CPU ms (user + system)\n',
    );
    const meanCpu = (xs: (number | undefined)[]) =>
      xs.every((x) => x !== undefined) ? xs.reduce((a, x) => a + x, 0) / xs.length : undefined;
    baselines.forEach((b, bi) => {
      console.log(`${b.name}:`);
      const bare = median(times[bi]![0]!);
      const bareCpu = meanCpu(cpu[bi]![0]!);
      contenders.forEach((c, ci) => {
        const ms = median(times[bi]![ci]!);
        const cpuMs = meanCpu(cpu[bi]![ci]!);
        const wallRatio = ci === 0 ? '' : ` ${(ms / bare).toFixed(2)}x`;
        const cpuText =
          cpuMs === undefined
            ? ''
            : `   CPU ${cpuMs.toFixed(1).padStart(6)} ms` +
              (ci === 0 || bareCpu === undefined || bareCpu === 0 ? '' : ` ${(cpuMs / bareCpu).toFixed(2)}x`);
        console.log(
          `  ${c.name.padEnd(36)} wall ${ms.toFixed(1).padStart(6)} ms${wallRatio.padEnd(7)}${cpuText}`,
        );
      });
    });
    console.log('(x: a multiple of the bare `node -e 0` above it, target <= 2x)');
    if (failures.length > 0) {
      console.log(`\n${failures.length} runs gave a wrong answer:\n  ${failures.slice(0, 5).join('\n  ')}`);
      process.exitCode = 1;
    } else {
      console.log('\nevery run gave the expected output');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const bundle = path.join(root, 'dist/rolecall.cjs');
const stale = fs.existsSync(bundle) ? staleSource(root, bundle) : undefined;
if (!fs.existsSync(bundle)) {
  console.error('bench:startup: no dist/rolecall.cjs; run `npm run build` first');
  process.exitCode = 1;
} else if (stale !== undefined) {
  console.error(
    `bench:startup: dist/ is older than ${path.relative(root, stale)}; run \`npm run build\` first`,
  );
  process.exitCode = 1;
} else {
  main();
}
