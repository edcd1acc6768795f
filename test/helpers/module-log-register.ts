// Preload for `node --import`: logs every module the program resolves to the file named by
// EIC_MODULE_LOG, one path or URL a line. ES module imports go through the resolve hook in
// module-log-hooks.js; require() calls (the bundle's chunks are CommonJS, and so are the
// packages they require) through Module._resolveFilename, wrapped here, in the main thread.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

register('./module-log-hooks.js', import.meta.url);

type Resolve = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
const cjs = Module as unknown as { _resolveFilename: Resolve };
const resolveFilename = cjs._resolveFilename;
cjs._resolveFilename = function (this: unknown, ...args: Parameters<Resolve>): string {
  const file = resolveFilename.apply(this, args);
  const log = process.env.EIC_MODULE_LOG;
  if (log) appendFileSync(log, file + '\n');
  return file;
};
