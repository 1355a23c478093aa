/** True when an SDK error is one of the named exceptions (each service names "not found" its own way). */
export function isErrorNamed(error: unknown, ...names: readonly string[]): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && names.includes(name);
}

/** EventBridge's "no such bus / rule / statement". */
export const isEventBridgeNotFound = (error: unknown) => isErrorNamed(error, 'ResourceNotFoundException', 'ResourceNotFound');
