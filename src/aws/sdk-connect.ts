/**
 * The parts of the Instance Connect SDK and the credential chain eic uses, imported by name so
 * that the bundle keeps only them. Loaded lazily by clients.ts.
 */
export { EC2InstanceConnectClient, SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';
export { fromNodeProviderChain } from '@aws-sdk/credential-providers';
