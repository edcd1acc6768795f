/**
 * `eic list` (alias `ls`): the instances of a region with the endpoint that serves each one.
 * Two AWS calls whatever the size of the fleet: DescribeInstances (paginated) and one
 * DescribeInstanceConnectEndpoints for all the VPCs seen.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { addAccountOptions, type AccountCliOptions } from '../aws-options.js';
import { accountOf } from '../../aws/timeouts.js';
import type { CommandContext } from '../context.js';

export interface ListFilter { name: string; values: string[] }

interface ListCliOptions extends AccountCliOptions {
  all?: boolean;
  json?: boolean;
  filter: ListFilter[];
}

/**
 * Collect `--filter NAME=VALUE` (repeatable). `tag:Key=Value` filters on a tag; any other name
 * is an EC2 DescribeInstances filter. Repeating a name adds values (EC2 ORs values, ANDs names).
 */
export function collectFilter(value: string, previous: ListFilter[] = []): ListFilter[] {
  const eq = value.indexOf('=');
  const name = eq > 0 ? value.slice(0, eq).trim() : '';
  const v = eq > 0 ? value.slice(eq + 1) : '';
  if (!name || !v || name === 'tag:') {
    throw new InvalidArgumentError('use NAME=VALUE, e.g. tag:env=prod or instance-type=t3.micro');
  }
  const same = previous.find((f) => f.name === name);
  if (same) return previous.map((f) => (f === same ? { name, values: [...f.values, v] } : f));
  return [...previous, { name, values: [v] }];
}

export function registerList(program: Command, ctx: CommandContext): void {
  addAccountOptions(program.command('list')
    .alias('ls')
    .description('list instances with the Instance Connect Endpoint that serves each one')
    .option('-a, --all', 'all states, not only running instances')
    .option('--json', 'JSON for scripts')
    .option('--filter <name=value>', 'tag:Key=Value or an EC2 filter such as instance-type=t3.micro (repeatable)', collectFilter, []))
    .addHelpText('after', '\nOn a terminal: a table. Piped: tab-separated lines without a header, columns\n'
      + 'name, instance id, state, private IP, AZ, VPC, endpoint. NO_COLOR turns colour off.')
    .action(async (opts: ListCliOptions) => {
      const { io } = ctx;
      const [{ createLogger }, { createAwsContext }, { listInstances }, eps, fmt] = await Promise.all([
        import('../../log.js'), import('../../aws/clients.js'), import('../../aws/instances.js'),
        import('../../aws/endpoints-by-vpc.js'), import('./format.js'),
      ]);
      const logger = createLogger({ verbose: opts.verbose, write: (s) => io.stderr.write(s) });
      const aws = await createAwsContext({ ...accountOf(opts), env: io.env, logger });
      try {
        const instances = await listInstances(aws, { all: opts.all, filters: opts.filter });
        const byVpc = await eps.endpointsByVpc(aws, instances.flatMap((i) => (i.vpcId ? [i.vpcId] : [])));
        const rows = instances.map((instance) => ({ instance, endpoint: eps.endpointForInstance(instance, byVpc) }));
        if (opts.json) {
          io.stdout.write(fmt.renderJson(rows));
        } else if (io.stdout.isTTY) {
          if (rows.length === 0) {
            logger.info(`no ${opts.all ? '' : 'running '}instances in ${aws.region}${opts.filter.length ? ' match the filters' : ''}`
              + `${opts.all ? '' : ' (--all shows every state)'}`);
          } else {
            io.stdout.write(fmt.renderTable(rows, { color: fmt.useColor(io.stdout, io.env) }));
          }
        } else {
          io.stdout.write(fmt.renderTsv(rows));
        }
      } finally {
        aws.close();
      }
    });
}
