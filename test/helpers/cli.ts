import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths.js';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source in a child process, as a user would run `rolecall ARGS`. */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): CliResult {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args],
    {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      input: opts.input ?? '',
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
