/**
 * What to say when a pushed key is refused: EC2 Instance Connect accepts a key for any OS user
 * name, existing or not (aws-cli #6896), so a refusal right after a successful push most often
 * means the user does not exist on that image. The usual users, per image family.
 */
export const USUAL_OS_USERS: ReadonlyArray<[user: string, images: string]> = [
  ['ec2-user', 'Amazon Linux, RHEL, SUSE'],
  ['ubuntu', 'Ubuntu'],
  ['admin', 'Debian'],
  ['centos', 'CentOS'],
  ['rocky', 'Rocky Linux'],
  ['fedora', 'Fedora'],
  ['bitnami', 'Bitnami'],
];

/** "the OS user U probably does not exist on i-…; the usual ones are …" (without a trailing fix). */
export function missingOsUserText(osUser: string, instanceId: string): string {
  const usual = USUAL_OS_USERS.filter(([u]) => u !== osUser).map(([u, images]) => `${u} (${images})`).join(', ');
  return `the key was pushed for ${osUser}, so OS user ${osUser} probably does not exist on ${instanceId}; the usual ones are ${usual}`;
}
