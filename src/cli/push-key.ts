/**
 * `eic push-key [user@]<target>`: push the user's public key once (SendSSHPublicKey; the
 * instance accepts it for 60 s), for tools eic does not start: an IDE's own ssh, a script
 * that connects through `eic tunnel` started elsewhere. `user@` sets the OS user as in ssh.
 */
import type { Command } from 'commander';
import { addAccountOptions, type AccountCliOptions } from './aws-options.js';
import { accountOf } from '../aws/timeouts.js';
import type { CommandContext } from './context.js';

export interface PushKeyCliOptions extends AccountCliOptions { publicKey?: string; osUser?: string }

export function registerPushKey(program: Command, ctx: CommandContext): void {
  const cmd = program.command('push-key')
    .description('push your public key to an instance once (valid 60 s), for ssh tools eic does not start')
    .argument('<target>', '[user@]instance id, Name tag, private IP or private DNS name')
    .option('--public-key <file>', 'the public key file (default: ~/.ssh/id_ed25519.pub, id_ecdsa.pub or id_rsa.pub)')
    .option('--os-user <user>', 'the OS user the key is for (default: the user@ of the target, else ec2-user)');
  addAccountOptions(cmd);
  cmd.action(async (target: string, opts: PushKeyCliOptions) => {
    const { io } = ctx;
    const [{ createLogger }, { splitUserHost }, keys, { createAwsContext }, { resolveInstance, checkReachable }] = await Promise.all([
      import('../log.js'), import('../target/ssh-target.js'), import('./proxy/key.js'), import('../aws/clients.js'), import('../aws/instances.js'),
    ]);
    const logger = createLogger({ verbose: opts.verbose, write: (s) => io.stderr.write(s) });
    const { user, host } = splitUserHost(target);
    const osUser = opts.osUser ?? user ?? 'ec2-user';
    const push = await keys.publicKeyToPush(opts.publicKey ?? true, io.env);
    const aws = await createAwsContext({ ...accountOf(opts), env: io.env, logger });
    try {
      const instance = await resolveInstance(aws, host!);
      checkReachable(instance);
      await keys.pushKey(aws, instance, push, osUser, logger);
      logger.info(`pushed ${push.path} for ${osUser}@${instance.id}; log in within 60 s`);
    } finally {
      aws.close();
    }
  });
}
