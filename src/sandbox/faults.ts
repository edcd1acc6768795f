/**
 * Fault injection for the EICE endpoint, per endpoint ('*' for all) or for the next tunnel
 * only, and for the AWS API (the next N calls of an operation fail). Tests use it to prove
 * that every failure a client can meet is reported clearly.
 */
export type Fault =
  /** Refuse the upgrade with this HTTP status and JSON {"ErrorCode": errorCode (default: one that fits the status), "Message": message}. */
  | { kind: 'refuse'; status: number; message: string; errorCode?: string }
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
  /** Errors of the AWS API (SendSSHPublicKey throttling and the like); cleared with the rest. */
  readonly api = new ApiFaultControl();

  /** Apply `fault` to tunnels of `endpointId` ('*' = any); `once` = the next tunnel only. */
  set(endpointId: string, fault: Fault, opts: { once?: boolean } = {}): void {
    this.rules.push({ endpointId, fault, once: Boolean(opts.once) });
  }

  clear(): void {
    this.rules = [];
    this.api.clear();
  }

  /** The fault for a new tunnel on this endpoint, consuming a one-shot rule. */
  take(endpointId: string): Fault | undefined {
    const i = this.rules.findIndex((r) => r.endpointId === endpointId || r.endpointId === '*');
    if (i < 0) return undefined;
    const rule = this.rules[i];
    if (rule.once) this.rules.splice(i, 1);
    return rule.fault;
  }
}

/**
 * An error the sandbox's AWS API answers instead of doing the work, as AWS does when a caller
 * pushes keys too fast (ThrottlingException, 429) or the service is unwell (ServiceException
 * 500, EC2InstanceUnavailableException 503). Operations are named as AWS names them:
 * `SendSSHPublicKey`, or an EC2 Action such as `DescribeInstances`.
 */
export interface ApiFault {
  type: string;
  status: number;
  message: string;
  /**
   * Answer exactly this body instead of an AWS error document (with `status`, often 200): what a
   * captive portal, a misconfigured proxy or a wrong AWS_ENDPOINT_URL answers. EC2 calls only.
   */
  raw?: { body: string; contentType: string };
}

/** An HTML page with status 200 where the EC2 API's XML should be. */
export const HTML_PAGE: ApiFault = {
  type: 'HtmlPage', status: 200, message: '',
  raw: { body: '<!DOCTYPE html><html><body><h1>Welcome to the hotel network</h1></body></html>\n', contentType: 'text/html' },
};

/** SendSSHPublicKey throttled, as the SDK's model declares it (some AWS fronts answer 400). */
export const THROTTLED: ApiFault = { type: 'ThrottlingException', status: 429, message: 'Rate exceeded' };

/** An EC2 Query API call (DescribeInstances, …) throttled, as EC2 answers it. */
export const EC2_THROTTLED: ApiFault = { type: 'RequestLimitExceeded', status: 503, message: 'Request limit exceeded.' };

/**
 * The next `times` calls of one API operation fail with `fault` (Infinity: until cleared).
 * Kept apart from the tunnel faults above: a test throttling the API still wants tunnels.
 */
export class ApiFaultControl {
  private rules = new Map<string, { fault: ApiFault; left: number; hits: number }>();

  fail(operation: string, fault: ApiFault, times = 1): void {
    this.rules.set(operation, { fault, left: times, hits: 0 });
  }

  clear(): void { this.rules.clear(); }

  /** The fault for this call of `operation`, counting it down. */
  take(operation: string): ApiFault | undefined {
    const rule = this.rules.get(operation);
    if (!rule || rule.left <= 0) return undefined;
    rule.left -= 1;
    rule.hits += 1;
    return rule.fault;
  }

  /** How many calls of `operation` the fault has answered since it was set (a client's attempts). */
  hits(operation: string): number {
    return this.rules.get(operation)?.hits ?? 0;
  }
}
