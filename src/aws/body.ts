/**
 * How the SDK clients read a response body. The SDK's default collector first asks whether the
 * body is a web ReadableStream, and merely naming that global makes Node load its web streams
 * implementation, in every eic run that calls AWS. Over Node's http the body is always a
 * Node stream (or, from a middleware, bytes already), so eic collects it as one.
 */
import type { Readable } from 'node:stream';

export function collectBody(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return Promise.resolve(body);
  const stream = body as Readable;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('error', reject);
    stream.once('end', () => resolve(Buffer.concat(chunks)));
  });
}
