/**
 * The parts of the EC2 SDK eic uses, imported by name so that the bundle keeps only them (the
 * whole client is megabytes of schemas for commands eic never sends). Loaded lazily by
 * clients.ts on the first EC2 call.
 */
export { EC2Client, DescribeInstancesCommand, DescribeInstanceConnectEndpointsCommand, DescribeSecurityGroupsCommand, DescribeNetworkInterfacesCommand } from '@aws-sdk/client-ec2';
