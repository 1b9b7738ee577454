/**
 * The `rolecall` command line. Each command group lives in its own file under commands/ and registers
 * itself on the program; this file only wires them and turns errors into one-line messages and exit codes
 * (0 success or allow, 1 error, 2 deny, 3 invalid policy).
 */
import { Command, CommanderError } from 'commander';
import { isRolecallError } from '../errors.js';
import { exitCodes, type CommandContext } from './context.js';

type Register = (program: Command, ctx: CommandContext) => void;

/** Command groups, each a module exporting `register`. Add one line per group. */
const groups: (() => Promise<{ register: Register }>)[] = [
  () => import('./commands/serve.js'),
  () => import('./commands/simulate.js'),
  () => import('./commands/role.js'),
  () => import('./commands/user.js'),
  () => import('./commands/group.js'),
  () => import('./commands/policy.js'),
  () => import('./commands/account.js'),
  () => import('./commands/org.js'),
  () => import('./commands/resource.js'),
  () => import('./commands/apply.js'),
  () => import('./commands/export.js'),
  () => import('./commands/emr.js'),
  () => import('./commands/access-checks.js'),
];

export async function main(argv: string[], io: Partial<CommandContext> = {}): Promise<number> {
  const ctx: CommandContext = {
    out: io.out ?? ((s) => process.stdout.write(s)),
    err: io.err ?? ((s) => process.stderr.write(s)),
    exitCode: exitCodes.ok,
  };
  const program = new Command('rolecall')
    .description('Offline, AWS-faithful IAM for Amazon EMR roles')
    .exitOverride()
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
    .showHelpAfterError();
  for (const load of groups) (await load()).register(program, ctx);
  try {
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
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
