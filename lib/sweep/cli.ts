import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AlertSink } from '../alerts/sns';
import { cloudTrailAdapter } from '../aws/cloudtrail';
import { cloudTrailService, dynamoDbService, ec2Service, eventBridgeService, iamService, kmsService, snsService, sqsService, stsService } from '../aws/wire/services';
import { textOf } from '../aws/wire/xml';
import { eventRulesAdapter } from '../aws/event-rules';
import { kmsAdapter } from '../aws/kms';
import { snsTopicAdapter } from '../aws/sns-topic';
import { sqsAdapter } from '../aws/sqs';
import { dynamoDbBaselineCatalog, eventBridgeDestinationsAdapter, iamInventoryAdapter, kmsGrantsAdapter, topicSubscriptionsAdapter } from '../aws/sweep-readers';
import { managedPolicyAdapter } from '../aws/iam';
import { liveTagSource } from '../aws/tags';
import { defaultProvider as fromNodeProviderChain } from '@aws-sdk/credential-provider-node';
import { wireConfig } from '../aws/wire/client';
import { dynamoDbBaselineStore } from '../baseline/dynamodb';
import { memoryBaselineStore } from '../baseline/memory';
import { controlIds, controls } from '../controls/registry';
import type { Finding } from '../controls/types';
import { vpcEndpointAdapter } from '../aws/ec2-endpoints';
import { loadPolicyFile } from '../policy/load';
import type { Policy } from '../policy/schema';
import { encryptionWiring } from '../responder/encryption-wiring';
import type { ResponderDeps } from '../responder/respond';
import { remediatorsOf } from '../responder/wiring';
import { findingRecord, summaryOf, toNdjson, toTable } from '../replay/output';
import { jsonLogger } from '../util/log';
import { tokenBucket } from '../util/token-bucket';
import { memoryCheckpointStore, type SweepReaders } from './ports';
import { rateLimited } from './rate-limit';
import { sweep, type SweepSummary } from './sweep';
import { DEFAULT_EVENTBRIDGE_RPS } from './wiring';

const ROOT = path.resolve(__dirname, '../..');
const BUNDLED_POLICY = path.join(ROOT, 'policy.yml');

export const SWEEP_USAGE = `Usage: drift-responder sweep [options]

Reads the live state of everything the policy protects in one account and region (rules and
targets, buses, KMS keys, trails, queues, topics), and reports the drift no CloudTrail event
reported, with the same controls as the deployed responder. Credentials: the default chain.

Options:
  --endpoint URL         AWS API endpoint (an emulator); default: AWS itself
  --region REGION        default: AWS_REGION, else us-east-1
  --config FILE          policy file (default: the bundled policy.yml)
  --baseline-table NAME  compare with the baselines in this DynamoDB table (the stack's BaselineTable);
                         without it only what is wrong on its own is found (stopped trails, disabled
                         keys, open policies...), not changes from a baseline
  --responder-rules A,B  the responder's own rule names (health: they exist, are enabled)
  --alert-topic ARN      the alert topic (health: it has a confirmed subscription)
  --format FORMAT        table (default), json or ndjson
  --remediate            act as the policy says (modes and dryRun); without it nothing is
                         changed: remediations show as planned
  -h, --help
`;

export interface SweepIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const EXIT = { clean: 0, incomplete: 1, usage: 2 } as const;

/** Report only: every control keeps its mode, and dry-run is forced on. */
function reportOnly(policy: Policy): Policy {
  return {
    ...policy,
    defaults: { ...policy.defaults, dryRun: true },
    controls: Object.fromEntries(Object.entries(policy.controls).map(([id, c]) => [id, { ...c, dryRun: true }])),
  };
}

/** Findings are printed, not published. */
function collectingSink(): AlertSink {
  return { iamActions: [], publish: async () => undefined };
}

function summaryLine(summary: SweepSummary, account: string, region: string): string {
  const parts = [`swept ${summary.items} item(s) in ${account} ${region}: ${summary.changes} drifted state(s), ${summaryOf(summary.findings)}`];
  if (summary.suppressed > 0) parts.push(`${summary.suppressed} suppressed by exemptions`);
  if (summary.errors.length > 0) parts.push(`${summary.errors.length} item(s) could not be read`);
  return `${parts.join('; ')}\n`;
}

export async function sweepMain(argv: readonly string[], io: SweepIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      allowPositionals: false,
      options: {
        endpoint: { type: 'string' },
        region: { type: 'string' },
        config: { type: 'string' },
        'baseline-table': { type: 'string' },
        'responder-rules': { type: 'string' },
        'alert-topic': { type: 'string' },
        format: { type: 'string', default: 'table' },
        remediate: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr(`drift-responder sweep: ${(error as Error).message}\n\n${SWEEP_USAGE}`);
    return EXIT.usage;
  }
  if (values.help) {
    io.stdout(SWEEP_USAGE);
    return EXIT.clean;
  }
  const format = values.format as string;
  if (!['table', 'json', 'ndjson'].includes(format)) {
    io.stderr(`drift-responder sweep: --format must be table, json or ndjson (got "${format}")\n`);
    return EXIT.usage;
  }
  let policy: Policy;
  const policyFile = path.resolve(values.config ?? BUNDLED_POLICY);
  try {
    policy = loadPolicyFile(policyFile, controlIds);
  } catch (error) {
    io.stderr(`drift-responder sweep: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const ownRules = (values['responder-rules'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (ownRules.length > 0) policy = { ...policy, protect: { ...policy.protect, rules: [...new Set([...policy.protect.rules, ...ownRules])] } };
  const alertTopicArn = values['alert-topic'];
  if (alertTopicArn) policy = { ...policy, protect: { ...policy.protect, topics: [...new Set([...policy.protect.topics, alertTopicArn])] } };
  if (!values.remediate) policy = reportOnly(policy);

  const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // A person at a terminal: the SDK's full credential chain (profiles, SSO, processes), not the functions' Lambda chain.
  const wire = wireConfig({ ...process.env, AWS_REGION: region }, { credentials: fromNodeProviderChain(), ...(values.endpoint ? { endpoint: values.endpoint } : {}) });
  const account = textOf(await stsService(wire).call('GetCallerIdentity'), 'Account');
  if (!account) throw new Error('STS GetCallerIdentity returned no account');

  const eventBridge = rateLimited(eventBridgeService(wire), tokenBucket({ ratePerSecond: DEFAULT_EVENTBRIDGE_RPS }));
  const cloudTrailClient = cloudTrailService(wire);
  const cloudTrail = cloudTrailAdapter(cloudTrailClient);
  const encryption = encryptionWiring(eventBridge, wire, cloudTrail);
  // Tag rules of the policy apply as in the deployed responder: tags read live.
  const tags = liveTagSource({ eventBridge, cloudTrail: cloudTrailClient, ...encryption.clients });
  const eventRules = eventRulesAdapter(eventBridge);
  const table = values['baseline-table'];
  const baselines = table ? dynamoDbBaselineStore(dynamoDbService(wire), table) : memoryBaselineStore();
  const endpoints = vpcEndpointAdapter(ec2Service(wire), wire.region);
  const iam = iamService(wire);
  const remediators = remediatorsOf({ eventBridge, eventRules, cloudTrail, vpcEndpoints: endpoints, encryption, iam });
  // Diagnostics go to stderr as JSON lines, warnings and errors only; stdout holds the report.
  const log = jsonLogger({ service: 'drift-responder', function: 'sweep-cli' }, (line) => io.stderr(`${line}\n`), 'warn');
  // iam-eventbridge-overgrant (sweep.iamGrants) reads attached customer managed policies live.
  const responder: ResponderDeps = { policy, controls, remediators, alerts: collectingSink(), selfPrincipals: [], now: () => new Date(), log, baselines, tags, managedPolicies: managedPolicyAdapter(iam) };
  const readers: SweepReaders = {
    rules: eventRules,
    endpoints,
    kms: { ...kmsAdapter(kmsService(wire)), ...kmsGrantsAdapter(kmsService(wire)) },
    trails: cloudTrail,
    queues: sqsAdapter(sqsService(wire)),
    topics: { ...snsTopicAdapter(snsService(wire)), ...topicSubscriptionsAdapter(snsService(wire)) },
    destinations: eventBridgeDestinationsAdapter(eventBridge),
    iam: iamInventoryAdapter(iam),
    baselines,
    catalog: table ? dynamoDbBaselineCatalog(dynamoDbService(wire), table) : { iamActions: [], resourcesOf: async () => [] },
  };
  const summary = await sweep({
    readers,
    responder,
    checkpoints: memoryCheckpointStore(),
    origin: { account, region, sweepArn: `arn:aws:drift-responder:${region}:${account}:sweep/cli` },
    ownRules,
    ...(alertTopicArn ? { alertTopicArn } : {}),
    clock: Date.now,
    newRunId: randomUUID,
  });

  const findings: Finding[] = summary.findings;
  if (format === 'ndjson') io.stdout(toNdjson(findings));
  else if (format === 'json') io.stdout(`${JSON.stringify({ summary: { ...summary, findings: findings.length, policy: policyFile }, findings: findings.map(findingRecord) }, null, 2)}\n`);
  else io.stdout(toTable(findings));
  for (const problem of summary.health) io.stderr(`health: ${problem}\n`);
  for (const error of summary.errors.slice(0, 20)) io.stderr(`error: ${error.phase} ${error.item}: ${error.error}\n`);
  io.stderr(summaryLine(summary, account, region));
  return summary.errors.length > 0 ? EXIT.incomplete : EXIT.clean;
}
