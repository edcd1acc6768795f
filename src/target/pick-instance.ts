/**
 * Interactive choices on a terminal: the instance picker (`eic ssh` with no target) and the
 * choice among several instances that share a Name tag. A search prompt: typing narrows the
 * list to the lines that contain the text (Name, id, state, address, endpoint). Instances no
 * endpoint can serve (stopped, no endpoint in their VPC…) are shown greyed with the reason and
 * cannot be chosen. Prompts are drawn on stderr so that stdout carries only what the remote
 * side writes. Not interactive → the caller fails instead.
 */
import type { Io } from '../io.js';
import type { AwsContext } from '../aws/clients.js';
import { listInstances, type InstanceInfo } from '../aws/instances.js';
import { EicError } from '../errors.js';
import { safeText } from '../safe-text.js';
import { withReach, type Reached } from './reach.js';

/** Prompts need a terminal both to draw on and to read keys from. */
export function canPrompt(io: Io): boolean {
  return Boolean(io.stdin.isTTY && io.stderr.isTTY);
}

export interface Choice { name: string; value: InstanceInfo; disabled?: string }

/**
 * One aligned line per instance: Name, id, state, private address, and the endpoint that
 * serves it; or, for one that none serves, the reason as its (greyed) disabled label. Those
 * that can be chosen come first. AWS text is escaped.
 */
export function describeChoices(reached: Reached[]): Choice[] {
  const sorted = [...reached].sort((a, b) => Number(Boolean(a.reach.reason)) - Number(Boolean(b.reach.reason)));
  const col = (values: string[]) => Math.max(...values.map((v) => v.length), 1);
  const names = sorted.map(({ instance: i }) => (i.name === undefined ? '(no name)' : safeText(i.name)));
  const states = sorted.map(({ instance: i }) => safeText(i.state));
  const ips = sorted.map(({ instance: i }) => i.privateIp ?? '-');
  const [wn, ws, wip] = [col(names), col(states), col(ips)];
  return sorted.map(({ instance, reach }, n) => {
    const line = `${names[n].padEnd(wn)}  ${instance.id}  ${states[n].padEnd(ws)}  ${ips[n].padEnd(wip)}`;
    return reach.reason
      // The prompt draws `name label`: one more space aligns the reason with the endpoints.
      ? { name: `${line} `, value: instance, disabled: `(${reach.reason})` }
      : { name: `${line}  ${reach.endpointId}`, value: instance };
  });
}

/** The choices whose line (or reason) contains every word of the search term, case-insensitively. */
export function filterChoices(choices: Choice[], term: string | undefined): Choice[] {
  const words = (term ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return choices.filter((c) => {
    const text = `${c.name} ${c.disabled ?? ''}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

async function ask(io: Io, message: string, choices: Choice[]): Promise<InstanceInfo> {
  if (!choices.some((c) => !c.disabled)) {
    throw new EicError('no-reachable-instance', `${message.replace(/[?:]?$/, '')}: none of the ${choices.length} can be reached`
      + ` (${choices.slice(0, 3).map((c) => `${c.value.id} ${c.disabled}`).join(', ')}${choices.length > 3 ? ', …' : ''})`,
      'start the instance, or create an Instance Connect Endpoint in its VPC');
  }
  const { search } = await import('@inquirer/prompts');
  try {
    return await search({ message, source: (term) => filterChoices(choices, term), pageSize: 15 }, { input: io.stdin, output: io.stderr });
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') {
      throw new EicError('cancelled', 'no instance chosen');
    }
    throw err;
  }
}

/** `eic ssh` with no target: the region's instances (not terminated ones), to pick one. */
export async function pickInstance(aws: AwsContext, io: Io): Promise<InstanceInfo> {
  const listing = listInstances(aws, { all: true }).then((all) => all.filter((i) => i.state !== 'terminated'));
  const reached = await withReach(aws, listing);
  if (reached.length === 0) {
    throw new EicError('no-instances', `no instances in ${aws.region}${aws.profile ? ` (profile ${aws.profile})` : ''}`,
      'check --region and --profile');
  }
  return ask(io, `Instance to connect to (${aws.region}; type to search)`, describeChoices(reached));
}

/** Several instances match a Name tag: ask which one. */
export async function chooseInstance(aws: AwsContext, io: Io, target: string, found: Promise<InstanceInfo[]>): Promise<InstanceInfo> {
  const reached = await withReach(aws, found.then((all) => all.filter((i) => i.state !== 'terminated')));
  return ask(io, `${reached.length} instances are named ${safeText(target)}; which one?`, describeChoices(reached));
}
