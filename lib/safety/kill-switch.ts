import type { JsonService } from '../aws/wire/json';
import { errorFields, type Logger } from '../util/log';

/** A global switch that turns every remediation into dry-run without a redeploy. */
export interface KillSwitch {
  readonly iamActions: readonly string[];
  /** True when remediation must only be planned: the switch is on, or its state cannot be known. */
  engaged(): Promise<boolean>;
}

export interface SsmKillSwitchOptions {
  /** How long a value read is trusted (default 30 s): a flip takes effect within it, without an SSM call per event. */
  cacheMs?: number;
  clock?: () => number;
  log: Pick<Logger, 'error'>;
}

/** What the switch reads of GetParameter's answer. */
interface GetParameterOutput {
  Parameter?: { Value?: string };
}

/**
 * The switch as an SSM String parameter (KILL_SWITCH_PARAMETER, created `off` by the stack):
 * `on` engages it, `off` releases it. It fails safe: a value that is neither, or a parameter
 * that cannot be read, counts as on (dry-run) and is logged as an error; failures are not
 * cached, so the next invocation reads again.
 */
export function ssmKillSwitch(ssm: JsonService, parameterName: string, options: SsmKillSwitchOptions): KillSwitch {
  const cacheMs = options.cacheMs ?? 30_000;
  const clock = options.clock ?? Date.now;
  let cached: { engaged: boolean; until: number } | undefined;
  return {
    iamActions: ['ssm:GetParameter'],
    async engaged() {
      const now = clock();
      if (cached && now < cached.until) return cached.engaged;
      let value: string | undefined;
      try {
        value = (await ssm.call<GetParameterOutput>('GetParameter', { Name: parameterName })).Parameter?.Value;
      } catch (error) {
        options.log.error('kill switch unreadable: remediation is dry-run (fail safe)', { parameter: parameterName, ...errorFields(error) });
        return true;
      }
      const normalized = value?.trim().toLowerCase();
      if (normalized !== 'on' && normalized !== 'off') {
        options.log.error('kill switch value is neither "on" nor "off": remediation is dry-run (fail safe)', { parameter: parameterName, value });
        return true;
      }
      cached = { engaged: normalized === 'on', until: now + cacheMs };
      return cached.engaged;
    },
  };
}
