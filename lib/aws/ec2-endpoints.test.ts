import { partitionOf } from './ec2-endpoints';

describe('the partition of an endpoint baseline key', () => {
  it.each([
    ['us-east-1', 'aws'],
    ['eu-west-3', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])('follows from the region %s: %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});
