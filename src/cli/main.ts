/**
 * The `rolecall` command line. Each command group lives in its own file under commands/ and registers
 * itself on the program; this file only wires them and turns errors into one-line messages and exit codes
 * (0 success or allow, 1 error, 2 deny, 3 invalid policy).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type * as Tty from 'node:tty';
import type * as Commander from 'commander';
import { isRolecallError } from '../errors.js';
import { exitCodes, type CommandContext } from './context.js';
import { packageVersion } from './package-version.js';
import { showProgress } from './progress.js';

// commander is CommonJS: `require` skips the ES-module wrapper Node would build around it on import
// (a lexer pass over its files), which every run would pay before parsing a flag.
const { Command, CommanderError } = createRequire(import.meta.url)('commander') as typeof Commander;
type Command = Commander.Command;

type Register = (program: Command, ctx: CommandContext) => void;
type Loader = () => Promise<{ register: Register }>;

/**
 * A command group: the top-level commands its module registers, each with its usage and the line
 * `rolecall --help` shows, and the module, loaded only when one of its commands runs (start-up stays
 * the cost of commander and this file; the engine, the store, fastify and AWS data load with their
 * command). A bare loader is loaded on every run.
 */
export interface CommandGroup {
  commands: Record<string, { usage?: string; summary: string }>;
  load: Loader;
}

/** Command groups, each a module exporting `register`. Add one entry per group. */
export const COMMAND_GROUPS: readonly (CommandGroup | Loader)[] = [
  {
    commands: { serve: { summary: 'serve the AWS IAM and STS query APIs and the decision API' } },
    load: () => import('./commands/serve.js'),
  },
  {
    commands: {
      simulate: { usage: '[files...]', summary: 'run scenario files, or decide one request' },
    },
    load: () => import('./commands/simulate.js'),
  },
  { commands: { role: { summary: 'IAM roles' } }, load: () => import('./commands/role.js') },
  { commands: { user: { summary: 'IAM users' } }, load: () => import('./commands/user.js') },
  { commands: { group: { summary: 'IAM groups' } }, load: () => import('./commands/group.js') },
  {
    commands: { policy: { summary: 'managed policies and their versions' } },
    load: () => import('./commands/policy.js'),
  },
  { commands: { account: { summary: 'AWS accounts' } }, load: () => import('./commands/account.js') },
  {
    commands: { org: { summary: 'the organization: OUs, accounts, SCPs and RCPs' } },
    load: () => import('./commands/org.js'),
  },
  {
    commands: { resource: { summary: 'resources with their policies and tags' } },
    load: () => import('./commands/resource.js'),
  },
  {
    commands: { apply: { usage: '<file>', summary: 'make the store match a state file' } },
    load: () => import('./commands/apply.js'),
  },
  {
    commands: { export: { summary: 'write the state as a file `apply` reads' } },
    load: () => import('./commands/export.js'),
  },
  {
    commands: { emr: { summary: 'EMR roles: templates, readiness checks, lint' } },
    load: () => import('./commands/emr.js'),
  },
  {
    commands: {
      'check-no-new-access': {
        usage: '<existing> <new>',
        summary: 'does NEW allow anything EXISTING does not',
      },
      'check-access-not-granted': { usage: '<policy>', summary: 'does POLICY allow none of the actions' },
    },
    load: () => import('./commands/access-checks.js'),
  },
  {
    commands: {
      'who-can': { usage: '<action> <resource>', summary: 'who in the store can do ACTION on RESOURCE' },
      'can-what': { usage: '<principal>', summary: "a principal's effective permissions per service" },
      escalation: {
        usage: '[principal]',
        summary: 'privilege-escalation paths through the known IAM methods',
      },
    },
    load: () => import('./commands/access-graph.js'),
  },
  {
    commands: {
      validate: {
        usage: '<files...>',
        summary: "Access Analyzer's policy checks, offline, for CI and pre-commit",
      },
    },
    load: () => import('./commands/validate.js'),
  },
];

/** The command a run asks for: the first word (`help WORD` asks for WORD). */
function requested(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Registers the requested command's group for real, every other command as a help line. A run that
 * starts with a command of a group (`simulate ...`, `help simulate`) goes to that command and never shows
 * the others, so it registers none of them: commander builds a whole command for each line. A flag before
 * the command word (`rolecall -h simulate`) is the program's, whose help lists them all.
 */
async function registerGroups(program: Command, ctx: CommandContext, argv: readonly string[]): Promise<void> {
  const wanted = requested(argv);
  const has = (group: CommandGroup | Loader) =>
    typeof group !== 'function' && wanted !== undefined && Object.hasOwn(group.commands, wanted);
  const commandFirst = argv[0] === wanted || (argv[0] === 'help' && argv[1] === wanted);
  const helpLines = !(commandFirst && COMMAND_GROUPS.some(has));
  for (const group of COMMAND_GROUPS) {
    if (typeof group === 'function') {
      (await group()).register(program, ctx);
    } else if (has(group)) {
      (await group.load()).register(program, ctx);
    } else if (helpLines) {
      for (const [name, c] of Object.entries(group.commands))
        program.command(c.usage ? `${name} ${c.usage}` : name).description(c.summary);
    }
  }
}

/** A usage error prints one line and where the usage is, instead of the whole help. */
function hintHelp(cmd: Command, name: string): void {
  cmd.showHelpAfterError(`(see \`${name} --help\`)`);
  for (const sub of cmd.commands) hintHelp(sub, `${name} ${sub.name()}`);
}

/**
 * Standard output for one command: its few lines are written at once with write(2) on descriptor 1, in
 * order. process.stdout would first build a stream over the descriptor (for a pipe, a socket: Node's net
 * and stream modules), which costs a one-shot command more than deciding does. When the descriptor takes
 * no more now (a full non-blocking pipe: EAGAIN), the rest goes to process.stdout, which queues it after
 * what was written. When the reader goes away (`rolecall ... | head -1`: EPIPE), the rest of the output
 * is dropped quietly and the command still ends with its own exit code (a deny stays 2).
 */
function standardOutput(): (s: string) => void {
  let readerGone = false;
  let stream: NodeJS.WriteStream | undefined;
  return (s) => {
    if (readerGone) return;
    if (stream !== undefined) {
      stream.write(s);
      return;
    }
    let rest = Buffer.from(s, 'utf8');
    while (rest.length > 0) {
      try {
        rest = rest.subarray(fs.writeSync(1, rest));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          readerGone = true;
          return;
        }
        if (code !== 'EAGAIN') throw e;
        stream = process.stdout;
        stream.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EPIPE') throw error;
          readerGone = true;
        });
        stream.write(rest);
        return;
      }
    }
  };
}

/**
 * Whether a descriptor (1 or 2) is a terminal. Only a character device can be one: anything else (a pipe,
 * a file) is answered without node:tty or process.stdout, which load Node's net and stream modules.
 */
function isTerminal(fd: 1 | 2): boolean {
  try {
    if (!fs.fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return (createRequire(import.meta.url)('node:tty') as typeof Tty).isatty(fd);
}

/** What a caller of `main` may give: where to write, and whether `err` is a terminal (for progress). */
export type MainIo = Partial<Omit<CommandContext, 'exitCode'>> & { errIsTTY?: boolean };

export async function main(argv: string[], io: MainIo = {}): Promise<number> {
  const err = io.err ?? ((s: string) => process.stderr.write(s));
  const errIsTTY = io.errIsTTY ?? (io.err === undefined && isTerminal(2));
  // Every write, commander's own errors included, erases a progress line first.
  const progress = errIsTTY ? showProgress(err) : undefined;
  const clean = (w: (s: string) => void) => (progress ? progress.clearing(w) : w);
  const ctx: CommandContext = {
    out: clean(io.out ?? standardOutput()),
    err: clean(err),
    exitCode: exitCodes.ok,
  };
  const program = new Command('rolecall')
    .description('Offline, AWS-faithful IAM for Amazon EMR roles')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: ctx.out,
      writeErr: ctx.err,
      // One line, as every other error: `rolecall: unknown option ...`, then the hint.
      outputError: (s, write) => write(`rolecall: ${s.replace(/^error: /, '')}`),
      // The help's width and colours come from the terminal, when it is one (else commander's 80
      // columns); commander would ask process.stdout, which builds a stream for a pipe too. The help
      // writes no colours of its own.
      getOutHelpWidth: () => (isTerminal(1) && process.stdout.columns) || 80,
      getOutHasColors: () => isTerminal(1) && process.stdout.hasColors(),
    });
  try {
    await registerGroups(program, ctx, argv);
    hintHelp(program, 'rolecall');
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? exitCodes.ok : exitCodes.error;
    }
    if (isRolecallError(e)) {
      ctx.err(`rolecall: ${e.render()}\n`);
      return e.code === 'MalformedPolicyDocument' ? exitCodes.invalidPolicy : exitCodes.error;
    }
    ctx.err(`rolecall: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.ROLECALL_DEBUG) ctx.err(`${e instanceof Error ? e.stack : ''}\n`);
    return exitCodes.error;
  } finally {
    progress?.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
