import { ResourceNotFoundException } from '@aws-sdk/client-eventbridge';
import { NotFoundException as KmsNotFound, KMSInternalException } from '@aws-sdk/client-kms';
import { AuthorizationErrorException, ThrottledException } from '@aws-sdk/client-sns';
import { causeOf, isPermanent, isThrottling, isTransient } from './errors';

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const serviceError = (name: string, httpStatusCode: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', ...metadata(httpStatusCode), ...extra });

describe('error classification', () => {
  it.each([
    ['throttling by name (JSON protocols)', serviceError('ThrottlingException', 400)],
    ['throttling by name (query protocols)', serviceError('Throttling', 400)],
    ['HTTP 429 whatever the name', serviceError('SomethingElse', 429)],
    ['a modeled retryable trait', serviceError('Whatever', 400, { $retryable: { throttling: true } })],
    ['SNS ThrottledException as the SDK builds it', new ThrottledException({ message: 'slow down', $metadata: { httpStatusCode: 400 } })],
    ['SNS Throttled as lib/aws/wire names it (the wire code)', serviceError('Throttled', 400)],
    ['an internal server error', serviceError('InternalFailure', 500)],
    ['a 503 without a known name', serviceError('Unknown', 503)],
    ['KMS internal exception', new KMSInternalException({ message: 'oops', $metadata: { httpStatusCode: 500 } })],
    ['a request timeout of the HTTP handler', Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' })],
    ['a reset socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a socket error the SDK wrapped without its code', new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:39941')],
  ])('treats %s as transient', (_label, error) => {
    expect(isTransient(error)).toBe(true);
    expect(isPermanent(error)).toBe(false);
  });

  it.each([
    ['AccessDeniedException (JSON protocols)', serviceError('AccessDeniedException', 400)],
    ['AccessDenied (query protocols)', serviceError('AccessDenied', 403)],
    ['UnauthorizedOperation (EC2)', serviceError('UnauthorizedOperation', 403)],
    ['SNS AuthorizationErrorException as the SDK builds it', new AuthorizationErrorException({ message: 'no', $metadata: { httpStatusCode: 403 } })],
    ['EventBridge ResourceNotFoundException', new ResourceNotFoundException({ message: 'gone', $metadata: { httpStatusCode: 400 } })],
    ['KMS NotFoundException', new KmsNotFound({ message: 'gone', $metadata: { httpStatusCode: 400 } })],
    ['IAM NoSuchEntity', serviceError('NoSuchEntity', 404)],
    ['SQS NonExistentQueue', serviceError('AWS.SimpleQueueService.NonExistentQueue', 400)],
    ['CloudTrail TrailNotFoundException', serviceError('TrailNotFoundException', 400)],
    ['a validation error', serviceError('ValidationException', 400)],
    ['a programming error', new TypeError('x is undefined')],
    ['something that is not an error', 'boom'],
  ])('treats %s as permanent', (_label, error) => {
    expect(isPermanent(error)).toBe(true);
    expect(isTransient(error)).toBe(false);
  });

  it('says throttling only for throttling', () => {
    expect(isThrottling(serviceError('ThrottlingException', 400))).toBe(true);
    expect(isThrottling(serviceError('InternalFailure', 500))).toBe(false);
    expect(isThrottling(undefined)).toBe(false);
  });

  it.each([
    ['an AWS error with its status', serviceError('AccessDeniedException', 400), 'AccessDeniedException (HTTP 400): AccessDeniedException happened'],
    ['a plain error', new TypeError('x is undefined'), 'TypeError: x is undefined'],
    ['a non-error', 42, 'Error'],
  ])('names the cause of %s', (_label, error, expected) => {
    expect(causeOf(error)).toBe(expected);
  });
});
