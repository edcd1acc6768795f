/** The options `eic doctor` parses, and its exit status when a step fails. */
import { Status } from '../../errors.js';
import type { AwsCliOptions } from '../aws-options.js';

export interface DoctorCliOptions extends AwsCliOptions {
  port: number;
  osUser?: string;
  json?: boolean;
  knownHosts?: string;
}

/** The exit status when a step failed (0 when all passed; usage errors stay 2). */
export const DOCTOR_FAILED = Status.failure;
