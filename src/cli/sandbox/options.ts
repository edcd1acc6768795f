/** The options `eic sandbox` parses, and the env file it writes for clients. */

export interface SandboxCliOptions {
  config?: string;
  listen?: { host: string; port: number };
  credentials: Array<{ accessKeyId: string; secretAccessKey: string }>;
  dnsName?: string;
  tlsCert?: string;
  tlsKey?: string;
  writeEnv?: string;
  keyValidity?: number;
  verbose?: boolean;
  printConfig?: boolean;
}

/** `export K='v'` lines, safe for sh/bash/zsh `source`. */
export function envLines(env: Record<string, string>): string {
  return Object.entries(env).map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'\n`).join('');
}
