/**
 * `eic ssh -N`: keep the connection (and its forwards) up until Ctrl-C or SIGTERM, which end
 * it normally (exit 0), or until the connection is lost, which is an error.
 */
import type { Client } from 'ssh2';
import type { EicError } from '../errors.js';

export function waitForStop(client: Client, describeLoss: (err: Error | undefined) => EicError): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (err: Error) => { lastError = err; };
    const onClose = () => { cleanup(); reject(describeLoss(lastError)); };
    const onSignal = () => { cleanup(); resolve(0); };
    const cleanup = () => {
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    };
    client.on('error', onError);
    client.once('close', onClose);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
