import { isErrorNamed, isEventBridgeNotFound } from './errors';

describe('isErrorNamed', () => {
  it.each([
    ['a listed name', { name: 'QueueDoesNotExist' }, true],
    ['another name', { name: 'AccessDeniedException' }, false],
    ['an error without a name', {}, false],
    ['something that is not an error', undefined, false],
  ])('is %s → %s', (_label, error, expected) => {
    expect(isErrorNamed(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue')).toBe(expected);
  });

  it('knows both spellings of EventBridge not-found', () => {
    expect(isEventBridgeNotFound({ name: 'ResourceNotFoundException' })).toBe(true);
    expect(isEventBridgeNotFound({ name: 'ResourceNotFound' })).toBe(true);
    expect(isEventBridgeNotFound({ name: 'ValidationException' })).toBe(false);
  });
});
