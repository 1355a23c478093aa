// zod/mini: the same strict validation as zod's chained API, at a fraction of the bundle size
// and cold-start cost (a function validates its policy when it starts, unless it is the
// policy.json the package step validated: lib/policy/shipped.ts).
import * as z from 'zod/mini';
import { en } from 'zod/locales';

// zod/mini ships no messages; the English locale alone (not all of z.locales) gives the ones our errors quote.
z.config(en());

export const MODES = ['off', 'alert', 'remediate'] as const;
export type Mode = (typeof MODES)[number];

const accountId = z.string().check(z.regex(/^\d{12}$/, 'a 12-digit AWS account id'));
const globList = z.array(z.string().check(z.minLength(1, 'a non-empty glob')));
const globs = () => z._default(globList, []);
const int = (min: number, max: number, fallback: number) =>
  z._default(z.number().check(z.int(), z.minimum(min), z.maximum(max)), fallback);

const isoDate = z.pipe(
  z.union([z.string(), z.date()]),
  z.transform((value: string | Date, ctx) => {
    const text = value instanceof Date ? value.toISOString().slice(0, 10) : value;
    // Date.parse rolls 2027-02-30 over to 2 March: require the date to survive a round trip.
    const parsed = Date.parse(`${text}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== text) {
      ctx.issues.push({ code: 'custom', message: 'a date written YYYY-MM-DD', input: value });
      return z.NEVER;
    }
    return text;
  }),
);

const controlSettings = z.strictObject({
  mode: z.optional(z.enum(MODES)),
  dryRun: z.optional(z.boolean()),
});

/** Modes a tag may bind a resource to: stricter than the file's, never `off` (an exemption is how a tag relaxes). */
export const TAG_MODES = ['alert', 'remediate'] as const;

export function policySchema(knownControlIds: readonly string[]) {
  const controlId = z.string().check(
    z.refine((id: string) => knownControlIds.includes(id), { message: `a known control id (${knownControlIds.join(', ')})` }),
  );
  const exemptionTerms = {
    reason: z.string().check(z.minLength(1, 'a reason (who approved it and why)')),
    expires: isoDate,
  };
  // Tag-driven policy (lib/tags): a resource whose tags match `match` (every key present, values
  // globs; keys and values case-sensitive, as AWS tags are) is protected, exempt, or bound to a
  // stricter mode for `controls`.
  const tagRule = z.strictObject({
    match: z.record(z.string().check(z.minLength(1, 'a tag key')), z.string()).check(
      z.refine((m: Record<string, string>) => Object.keys(m).length > 0, { message: 'at least one tag key and value glob, e.g. { Environment: Production }' }),
    ),
    protect: z.optional(z.boolean()),
    mode: z.optional(z.enum(TAG_MODES)),
    dryRun: z.optional(z.boolean()),
    exempt: z.optional(z.strictObject(exemptionTerms)),
    controls: z._default(z.array(z.union([controlId, z.literal('*')])).check(z.minLength(1)), ['*']),
  }).check(
    z.superRefine((rule: { protect?: boolean; mode?: string; dryRun?: boolean; exempt?: unknown }, ctx) => {
      if (rule.protect === undefined && rule.mode === undefined && rule.dryRun === undefined && rule.exempt === undefined) {
        ctx.addIssue({ code: 'custom', message: 'a tag rule needs at least one of protect, mode, dryRun or exempt', input: rule });
      }
      if (rule.exempt !== undefined && (rule.protect === true || rule.mode !== undefined || rule.dryRun !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['exempt'], message: 'a tag rule that exempts cannot also protect or set mode/dryRun: write two rules', input: rule });
      }
    }),
  );
  return z.strictObject({
    trustedAccounts: z._default(z.array(accountId), []),
    organizationId: z.optional(z.string().check(z.regex(/^o-[a-z0-9]{10,32}$/, 'an AWS Organizations id like o-a1b2c3d4e5'))),
    trustedPrincipals: globs(),
    // iam-eventbridge-overgrant: IAM principals (ARN globs) whose grants are never revoked automatically (alert only).
    breakGlassPrincipals: globs(),
    allowedDestinations: z._default(z.array(z.string().check(z.minLength(1))), []),
    protect: z._default(
      z.strictObject({
        buses: globs(),
        rules: globs(),
        keys: globs(),
        trails: globs(),
        queues: globs(),
        // SNS topics guarded like the alert topic (topic-tampered); the deployed responder's own alert topic is always included.
        topics: globs(),
      }),
      { buses: [], rules: [], keys: [], trails: [], queues: [], topics: [] },
    ),
    // queue-retention-reduced: protected queues (dead-letter queues) must keep messages at least this long. Default 14 days, the SQS maximum.
    minimumDlqRetentionSeconds: int(60, 1209600, 1209600),
    // bus-encryption-downgraded: protected buses must be encrypted with a customer managed key (not the AWS owned default).
    requireBusCmk: z._default(z.boolean(), false),
    // Remediation-loop protection (lib/safety/remediation-loop.ts): after this many remediations of the same
    // control on the same resource within the window, the responder stops remediating it and alerts "remediation loop".
    remediationLoop: z._default(
      z.strictObject({
        maxRemediations: int(1, 100, 3),
        windowMinutes: int(1, 1440, 60),
      }),
      { maxRemediations: 3, windowMinutes: 60 },
    ),
    // access-denied-burst: this many denied calls by one principal on guarded APIs within the window raise one alert.
    accessDeniedBurst: z._default(
      z.strictObject({
        threshold: int(2, 1000, 5),
        windowSeconds: int(60, 86400, 300),
      }),
      { threshold: 5, windowSeconds: 300 },
    ),
    // responder-tampered: the responder's own resources (ARN globs) and who may change them. The deployed
    // stack adds its own (RESPONDER_RESOURCES, DEPLOY_PRINCIPALS); list more here, or set them for replay.
    responder: z._default(
      z.strictObject({
        resources: globs(),
        deployPrincipals: globs(),
      }),
      { resources: [], deployPrincipals: [] },
    ),
    defaults: z._default(
      z.strictObject({
        mode: z._default(z.enum(MODES), 'alert'),
        dryRun: z._default(z.boolean(), true),
      }),
      { mode: 'alert', dryRun: true },
    ),
    controls: z._default(
      z.record(z.string(), controlSettings).check(
        z.superRefine((controls: Record<string, unknown>, ctx) => {
          for (const id of Object.keys(controls)) {
            if (!knownControlIds.includes(id)) {
              ctx.addIssue({
                code: 'custom',
                path: [id],
                message: `unknown control "${id}"; expected one of: ${knownControlIds.join(', ')}`,
                input: controls,
              });
            }
          }
        }),
      ),
      {},
    ),
    exemptions: z._default(
      z.array(
        z.strictObject({
          resource: z.string().check(z.minLength(1)),
          controls: z.array(z.union([controlId, z.literal('*')])).check(z.minLength(1)),
          ...exemptionTerms,
        }),
      ),
      [],
    ),
    tags: z._default(z.array(tagRule), []),
    // The reconciliation sweep (lib/sweep). iamGrants: also judge every IAM role, user and group's
    // grants as they are (iam-eventbridge-overgrant, alerted only); IAM is global, so turn it on
    // in one region's stack.
    sweep: z._default(z.strictObject({ iamGrants: z._default(z.boolean(), false) }), { iamGrants: false }),
    // How alerts reach people (lib/alerts): one alert per control and resource per window,
    // then count updates; a digest instead of single alerts under a storm; Security Hub opt-in.
    alerts: z._default(
      z.strictObject({
        dedupWindowMinutes: int(1, 1440, 15),
        stormThresholdPerMinute: int(1, 600, 20),
        securityHub: z._default(z.boolean(), false),
      }),
      { dedupWindowMinutes: 15, stormThresholdPerMinute: 20, securityHub: false },
    ),
  });
}

export type Policy = z.output<ReturnType<typeof policySchema>>;
export type Exemption = Policy['exemptions'][number];
export type TagRule = Policy['tags'][number];
