import { z } from 'zod';

export const MODES = ['off', 'alert', 'remediate'] as const;
export type Mode = (typeof MODES)[number];

const accountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');
const globList = z.array(z.string().min(1, 'a non-empty glob'));

const isoDate = z
  .union([z.string(), z.date()])
  .transform((value, ctx) => {
    const text = value instanceof Date ? value.toISOString().slice(0, 10) : value;
    // Date.parse rolls 2027-02-30 over to 2 March: require the date to survive a round trip.
    const parsed = Date.parse(`${text}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== text) {
      ctx.addIssue({ code: 'custom', message: 'a date written YYYY-MM-DD' });
      return z.NEVER;
    }
    return text;
  });

const controlSettings = z
  .object({
    mode: z.enum(MODES).optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

export function policySchema(knownControlIds: readonly string[]) {
  const controlId = z.string().refine((id) => knownControlIds.includes(id), {
    message: `a known control id (${knownControlIds.join(', ')})`,
  });
  return z
    .object({
      trustedAccounts: z.array(accountId).default([]),
      organizationId: z
        .string()
        .regex(/^o-[a-z0-9]{10,32}$/, 'an AWS Organizations id like o-a1b2c3d4e5')
        .optional(),
      trustedPrincipals: globList.default([]),
      // iam-eventbridge-overgrant: IAM principals (ARN globs) whose grants are never revoked automatically (alert only).
      breakGlassPrincipals: globList.default([]),
      allowedDestinations: z.array(z.string().min(1)).default([]),
      protect: z
        .object({
          buses: globList.default([]),
          rules: globList.default([]),
          keys: globList.default([]),
          trails: globList.default([]),
          queues: globList.default([]),
          // SNS topics guarded like the alert topic (topic-tampered); the deployed responder's own alert topic is always included.
          topics: globList.default([]),
        })
        .strict()
        .default({ buses: [], rules: [], keys: [], trails: [], queues: [], topics: [] }),
      // queue-retention-reduced: protected queues (dead-letter queues) must keep messages at least this long. Default 14 days, the SQS maximum.
      minimumDlqRetentionSeconds: z.number().int().min(60).max(1209600).default(1209600),
      // bus-encryption-downgraded: protected buses must be encrypted with a customer managed key (not the AWS owned default).
      requireBusCmk: z.boolean().default(false),
      // access-denied-burst: this many denied calls by one principal on guarded APIs within the window raise one alert.
      accessDeniedBurst: z
        .object({
          threshold: z.number().int().min(2).max(1000).default(5),
          windowSeconds: z.number().int().min(60).max(86400).default(300),
        })
        .strict()
        .default({ threshold: 5, windowSeconds: 300 }),
      // responder-tampered: the responder's own resources (ARN globs) and who may change them. The deployed
      // stack adds its own (RESPONDER_RESOURCES, DEPLOY_PRINCIPALS); list more here, or set them for replay.
      responder: z
        .object({
          resources: globList.default([]),
          deployPrincipals: globList.default([]),
        })
        .strict()
        .default({ resources: [], deployPrincipals: [] }),
      defaults: z
        .object({
          mode: z.enum(MODES).default('alert'),
          dryRun: z.boolean().default(true),
        })
        .strict()
        .default({ mode: 'alert', dryRun: true }),
      controls: z
        .record(z.string(), controlSettings)
        .default({})
        .superRefine((controls, ctx) => {
          for (const id of Object.keys(controls)) {
            if (!knownControlIds.includes(id)) {
              ctx.addIssue({
                code: 'custom',
                path: [id],
                message: `unknown control "${id}"; expected one of: ${knownControlIds.join(', ')}`,
              });
            }
          }
        }),
      exemptions: z
        .array(
          z
            .object({
              resource: z.string().min(1),
              controls: z.array(z.union([controlId, z.literal('*')])).min(1),
              reason: z.string().min(1, 'a reason (who approved it and why)'),
              expires: isoDate,
            })
            .strict(),
        )
        .default([]),
      // How alerts reach people (lib/alerts): one alert per control and resource per window,
      // then count updates; a digest instead of single alerts under a storm; Security Hub opt-in.
      alerts: z
        .object({
          dedupWindowMinutes: z.number().int().min(1).max(1440).default(15),
          stormThresholdPerMinute: z.number().int().min(1).max(600).default(20),
          securityHub: z.boolean().default(false),
        })
        .strict()
        .default({ dedupWindowMinutes: 15, stormThresholdPerMinute: 20, securityHub: false }),
    })
    .strict();
}

export type Policy = z.output<ReturnType<typeof policySchema>>;
export type Exemption = Policy['exemptions'][number];
