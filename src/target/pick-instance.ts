/**
 * Interactive choices on a terminal: the instance picker (`eic ssh` with no target) and the
 * choice among several instances that share a Name tag. Prompts are drawn on stderr so that
 * stdout carries only what the remote side writes. Not interactive → the caller fails instead.
 */
import type { Io } from '../io.js';
import { pages, type Filter } from '../aws/api.js';
import type { AwsContext } from '../aws/clients.js';
import { awsCall } from '../aws/errors.js';
import { USABLE_STATES } from '../aws/endpoints.js';
import { listInstances, type InstanceInfo } from '../aws/instances.js';
import { EicError, ExitCode } from '../errors.js';
import { safeText } from '../safe-text.js';

/** Prompts need a terminal both to draw on and to read keys from. */
export function canPrompt(io: Io): boolean {
  return Boolean(io.stdin.isTTY && io.stderr.isTTY);
}

/** VPCs that have a usable Instance Connect Endpoint. */
export async function servedVpcs(aws: AwsContext): Promise<Set<string>> {
  const vpcs = new Set<string>();
  const filters: Filter[] = [{ Name: 'state', Values: USABLE_STATES }];
  await awsCall({ action: 'DescribeInstanceConnectEndpoints', profile: aws.profile }, async () => {
    for await (const page of pages((i) => aws.ec2.describeInstanceConnectEndpoints(i), { Filters: filters })) {
      for (const e of page.InstanceConnectEndpoints ?? []) if (e.VpcId) vpcs.add(e.VpcId);
    }
  });
  return vpcs;
}

/** One aligned line per instance: name, id, private IP, AZ, and whether an endpoint serves it (AWS text escaped). */
export function describeChoices(instances: InstanceInfo[], served?: Set<string>): Array<{ name: string; value: InstanceInfo; disabled?: string | boolean }> {
  const col = (values: string[]) => Math.max(...values.map((v) => v.length), 1);
  const names = instances.map((i) => (i.name === undefined ? '(no name)' : safeText(i.name)));
  const ips = instances.map((i) => i.privateIp ?? '-');
  const azs = instances.map((i) => i.availabilityZone ?? '-');
  const [wn, wip, waz] = [col(names), col(ips), col(azs)];
  return instances.map((inst, n) => {
    const reach = served === undefined ? '' : inst.vpcId && served.has(inst.vpcId) ? '  endpoint ok' : '  no endpoint in its VPC';
    const state = inst.state === 'running' ? '' : `  (${safeText(inst.state)})`;
    return {
      name: `${names[n].padEnd(wn)}  ${inst.id}  ${ips[n].padEnd(wip)}  ${azs[n].padEnd(waz)}${reach}${state}`,
      value: inst,
    };
  });
}

async function ask(io: Io, message: string, choices: ReturnType<typeof describeChoices>): Promise<InstanceInfo> {
  const { select } = await import('@inquirer/prompts');
  try {
    return await select({ message, choices, pageSize: 15 }, { input: io.stdin, output: io.stderr });
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') {
      throw new EicError(ExitCode.usage, 'cancelled', 'no instance chosen');
    }
    throw err;
  }
}

/** `eic ssh` with no target: running instances of the region, to pick one. */
export async function pickInstance(aws: AwsContext, io: Io): Promise<InstanceInfo> {
  const [instances, served] = await Promise.all([listInstances(aws), servedVpcs(aws)]);
  if (instances.length === 0) {
    throw new EicError(ExitCode.aws, 'no-instances', `no running instances in ${aws.region}${aws.profile ? ` (profile ${aws.profile})` : ''}`,
      'check --region and --profile');
  }
  // Those an endpoint can reach first: they are the ones that will work.
  const reachable = (i: InstanceInfo) => (i.vpcId && served.has(i.vpcId) ? 0 : 1);
  const sorted = [...instances].sort((a, b) => reachable(a) - reachable(b));
  return ask(io, `Instance to connect to (${aws.region})`, describeChoices(sorted, served));
}

/** Several instances match a Name tag: ask which one. */
export async function chooseInstance(io: Io, target: string, instances: InstanceInfo[]): Promise<InstanceInfo> {
  return ask(io, `${instances.length} instances are named ${target}; which one?`, describeChoices(instances));
}
