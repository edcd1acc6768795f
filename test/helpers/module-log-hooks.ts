/**
 * Module resolution hooks (registered by module-log-register.ts with `node --import`): append
 * the URL of every ES module the program resolves to the file named by EIC_MODULE_LOG.
 * module-log-register.ts logs what require() resolves, so that together a package (or bundle
 * chunk) missing from the log was not loaded.
 */
import { appendFileSync } from 'node:fs';

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string }> {
  const result = await next(specifier, context);
  const log = process.env.EIC_MODULE_LOG;
  if (log) appendFileSync(log, result.url + '\n');
  return result;
}
