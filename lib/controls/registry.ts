import { busPolicyPublic, busPolicyUntrustedAccount } from './bus-policy/controls';
import type { Control } from './types';

/** Every control the responder runs. Order is the order findings are reported in. */
export const controls = [busPolicyPublic, busPolicyUntrustedAccount] as const satisfies readonly Control[];

export type ControlId = (typeof controls)[number]['id'];

export const controlIds: readonly ControlId[] = controls.map((c) => c.id);

export class UnknownControlError extends Error {
  override readonly name = 'UnknownControlError';
}

export function controlById(id: string): Control {
  const control = controls.find((c) => c.id === id);
  if (!control) throw new UnknownControlError(`unknown control "${id}"; valid ids: ${controlIds.join(', ')}`);
  return control;
}
