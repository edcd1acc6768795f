/**
 * Keys pushed with SendSSHPublicKey: each is accepted for `validitySeconds` (AWS: 60) for one
 * instance and one OS user only, like the managed-ssh-keys the real instance agent reads.
 */
export interface PushedKey { instanceId: string; osUser: string; publicKey: string; expiresAt: number }

export class KeyStore {
  private keys: PushedKey[] = [];

  constructor(private validitySeconds: number, private now: () => number = Date.now) {}

  setValiditySeconds(seconds: number): void { this.validitySeconds = seconds; }

  push(instanceId: string, osUser: string, publicKey: string): PushedKey {
    const key = { instanceId, osUser, publicKey: publicKey.trim(), expiresAt: this.now() + this.validitySeconds * 1000 };
    this.prune();
    this.keys.push(key);
    return key;
  }

  /** The keys still valid for that instance and user, as authorized_keys lines. */
  active(instanceId: string, osUser: string): string[] {
    this.prune();
    return this.keys.filter((k) => k.instanceId === instanceId && k.osUser === osUser).map((k) => k.publicKey);
  }

  private prune(): void {
    const t = this.now();
    this.keys = this.keys.filter((k) => k.expiresAt > t);
  }
}
