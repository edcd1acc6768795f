/**
 * The `Host <Name>` entries of `eic ssh-config`: running instances whose Name is unique, can be
 * an ssh Host pattern, and that an endpoint can serve. The others are skipped: a Name problem
 * with a warning that says how to reach them, and every skip as a comment line in the block.
 */
import { createAwsContext } from '../../aws/clients.js';
import { listInstances } from '../../aws/instances.js';
import { withReach, type Reached } from '../../target/reach.js';
import { unusableHostName, type NamedInstance } from './block.js';
import type { Logger } from '../../log.js';
import { safeText } from '../../safe-text.js';

export interface NamesOptions { profile?: string; region?: string; env: NodeJS.ProcessEnv; logger: Logger }
export interface Names { named: NamedInstance[]; skipped: string[] }

/** A Name as it may appear in a comment line or a warning. */
const shown = (name: string) => `"${safeText(name)}"`;

/** Pick the names to write from a list of instances (pure; warnings through logger). */
export function pickNames(instances: Reached[], logger: Logger): Names {
  const byName = new Map<string, string[]>();
  const skipped: string[] = [];
  for (const { instance: i, reach } of instances) {
    if (!i.name) continue;
    const why = reach.reason;
    if (why) skipped.push(`skipped ${shown(i.name)} (${i.id}): ${why}`);
    else byName.set(i.name, [...(byName.get(i.name) ?? []), i.id]);
  }
  const named: NamedInstance[] = [];
  for (const [name, ids] of byName) {
    const why = unusableHostName(name);
    if (why) {
      logger.warn(`no Host entry for Name ${shown(name)} (${ids.join(', ')}): it ${why}; reach it by id`);
      skipped.push(`skipped ${shown(name)} (${ids.join(', ')}): the Name ${why}`);
    } else if (ids.length > 1) {
      logger.warn(`no Host entry for Name ${shown(name)}: ${ids.length} running instances share it (${ids.join(', ')}); reach them by id`);
      skipped.push(`skipped ${shown(name)} (${ids.join(', ')}): ${ids.length} instances share the Name`);
    } else named.push({ name, id: ids[0] });
  }
  return { named: named.sort((a, b) => a.name.localeCompare(b.name)), skipped };
}

export async function namedInstances(opts: NamesOptions): Promise<Names> {
  const aws = await createAwsContext(opts);
  try {
    return pickNames(await withReach(aws, listInstances(aws)), opts.logger);
  } finally {
    aws.close();
  }
}
