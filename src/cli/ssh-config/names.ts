/**
 * The `Host <Name>` entries of `eic ssh-config`: running instances whose Name is unique and can
 * be an ssh Host pattern. Others are skipped with a warning that says how to reach them.
 */
import { createAwsContext } from '../../aws/clients.js';
import { listInstances } from '../../aws/instances.js';
import { unusableHostName, type NamedInstance } from './block.js';
import type { Logger } from '../../log.js';
import { safeText } from '../../safe-text.js';

export interface NamesOptions { profile?: string; region?: string; env: NodeJS.ProcessEnv; logger: Logger }

/** Pick the names to write from a list of instances (pure; warnings through logger). */
export function pickNames(instances: Array<{ id: string; name?: string }>, logger: Logger): NamedInstance[] {
  const byName = new Map<string, string[]>();
  for (const i of instances) {
    if (!i.name) continue;
    byName.set(i.name, [...(byName.get(i.name) ?? []), i.id]);
  }
  const out: NamedInstance[] = [];
  for (const [name, ids] of byName) {
    const shown = safeText(name);
    const why = unusableHostName(name);
    if (why) logger.warn(`no Host entry for Name "${shown}" (${ids.join(', ')}): it ${why}; reach it by id`);
    else if (ids.length > 1) logger.warn(`no Host entry for Name "${shown}": ${ids.length} running instances share it (${ids.join(', ')}); reach them by id`);
    else out.push({ name, id: ids[0] });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export async function namedInstances(opts: NamesOptions): Promise<NamedInstance[]> {
  const aws = await createAwsContext(opts);
  try {
    return pickNames(await listInstances(aws), opts.logger);
  } finally {
    aws.close();
  }
}
