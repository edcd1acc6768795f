/**
 * Fault injection for the EICE endpoint, per endpoint ('*' for all) or for the next tunnel
 * only. Tests use it to prove that every failure a client can meet is reported clearly.
 */
export type Fault =
  /** Refuse the upgrade with this HTTP status and JSON {"Message": message}. */
  | { kind: 'refuse'; status: number; message: string }
  /** After `bytes` relayed towards the client, close with this code and reason. */
  | { kind: 'close-after'; bytes: number; code: number; reason: string }
  /** Send a text frame (after `afterBytes` towards the client, default 0). */
  | { kind: 'text-frame'; afterBytes?: number; text?: string }
  /** Stop reading from the client (and sending to it) once upgraded. */
  | { kind: 'stall' }
  /** Destroy the TCP connection without a close frame after `afterBytes` towards the client. */
  | { kind: 'drop'; afterBytes?: number }
  /** Hold the HTTP upgrade request this long before answering. */
  | { kind: 'delay-handshake'; ms: number };

export interface FaultRule { endpointId: string; fault: Fault; once: boolean }

export class FaultControl {
  private rules: FaultRule[] = [];

  /** Apply `fault` to tunnels of `endpointId` ('*' = any); `once` = the next tunnel only. */
  set(endpointId: string, fault: Fault, opts: { once?: boolean } = {}): void {
    this.rules.push({ endpointId, fault, once: Boolean(opts.once) });
  }

  clear(): void { this.rules = []; }

  /** The fault for a new tunnel on this endpoint, consuming a one-shot rule. */
  take(endpointId: string): Fault | undefined {
    const i = this.rules.findIndex((r) => r.endpointId === endpointId || r.endpointId === '*');
    if (i < 0) return undefined;
    const rule = this.rules[i];
    if (rule.once) this.rules.splice(i, 1);
    return rule.fault;
  }
}
