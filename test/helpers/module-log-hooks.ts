/**
 * Module resolution hooks (registered by module-log-register.ts with `node --import`): append
 * the URL of every module the program resolves to the file named by EIC_MODULE_LOG. Every
 * package eic uses is entered through an ESM import from eic's own (ESM) code, so a package
 * missing from this log was not loaded.
 */
import { appendFileSync } from 'node:fs';

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string }> {
  const result = await next(specifier, context);
  const log = process.env.EIC_MODULE_LOG;
  if (log) appendFileSync(log, result.url + '\n');
  return result;
}
