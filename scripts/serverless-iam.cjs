// Serverless variable resolver: the responder role's IAM statements for what the code does,
// generated from the `iamActions` the code declares (the one source of truth):
//   - every remediator lib/responder/wiring.ts builds (depsFromEnvironment), and
//   - the alert sink it builds (SNS publish to the KMS-encrypted topic).
//   - the baseline store (DynamoDB table) and the snapshotters it builds (reading live state).
// Used in serverless/resources/iam.yml as ${file(./scripts/serverless-iam.cjs):statements}, and
// for the snapshot function's role (snapshotters + writing baselines) as
// ${file(./scripts/serverless-iam.cjs):snapshotStatements}.
//
// Each action needs a resource scope below. An action without one fails packaging, naming the
// action and who declared it: add the narrowest resource AWS allows for it (see the Service
// Authorization Reference), never "*" where the action supports resource-level permissions.
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { register } = require('tsx/cjs/api');

const sub = (arn) => ({ 'Fn::Sub': arn });

// Remediators act on the account's own resources in the stack's region (resource types per
// the Service Authorization Reference).
const REMEDIATOR_SCOPES = {
  // Encryption controls: this account's KMS keys, queues, topics and buses (key/*: key ARNs;
  // aliases are resolved to keys before any call).
  'kms:DescribeKey': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'kms:EnableKey': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'kms:CancelKeyDeletion': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'kms:GetKeyPolicy': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'kms:PutKeyPolicy': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'kms:GetKeyRotationStatus': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'kms:EnableKeyRotation': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'kms:ListGrants': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'kms:RevokeGrant': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'sqs:GetQueueAttributes': sub('arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*'),
  'sqs:SetQueueAttributes': sub('arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*'),
  'sns:GetTopicAttributes': sub('arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*'),
  'sns:SetTopicAttributes': sub('arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*'),
  'events:UpdateEventBus': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*'),
  'events:DescribeEventBus': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*'),
  'events:PutPermission': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*'),
  'events:RemovePermission': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*'),
  'events:CreateEventBus': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*'),
  // A recreated bus or rule gets back the tags its baseline recorded (tag on create).
  'events:TagResource': [
    sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*'),
    sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*'),
  ],
  // Rules on any bus: rule/NAME (default bus) and rule/BUS/NAME.
  'events:DescribeRule': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*'),
  'events:ListTargetsByRule': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*'),
  'events:PutRule': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*'),
  'events:EnableRule': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*'),
  'events:PutTargets': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*'),
  'events:RemoveTargets': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*'),
  // Restoring a rule or target with its baseline RoleArn, or a trail's CloudWatch Logs delivery
  // with its baseline role, passes that role: only this account's roles, and only to EventBridge
  // or CloudTrail.
  'iam:PassRole': {
    Resource: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*'),
    Condition: { StringEquals: { 'iam:PassedToService': ['events.amazonaws.com', 'cloudtrail.amazonaws.com'] } },
  },
  // iam-eventbridge-overgrant: revoke a grant on this account's roles, users and groups (resource
  // types role, user, group: Service Authorization Reference, AWS Identity and Access Management).
  ...Object.fromEntries(
    ['Role', 'User', 'Group'].flatMap((k) =>
      [`iam:ListAttached${k}Policies`, `iam:Get${k}Policy`, `iam:Detach${k}Policy`, `iam:Delete${k}Policy`].map((action) => [
        action,
        sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:${k.toLowerCase()}/*`),
      ]),
    ),
  ),
  // Trails whose home is this region.
  'cloudtrail:GetTrailStatus': sub('arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*'),
  'cloudtrail:StartLogging': sub('arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*'),
  'cloudtrail:GetEventSelectors': sub('arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*'),
  'cloudtrail:PutEventSelectors': sub('arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*'),
  'cloudtrail:GetTrail': sub('arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*'),
  'cloudtrail:UpdateTrail': sub('arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*'),
  // EC2 Describe* actions have no resource-level permissions ("*" only: Service Authorization
  // Reference, Amazon EC2, Actions table: DescribeVpcEndpoints has no resource type).
  'ec2:DescribeVpcEndpoints': '*',
  'ec2:ModifyVpcEndpoint': sub('arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-endpoint/*'),
};

// The alert sink publishes to this stack's topic, encrypted with this stack's key.
const ALERT_SINK_SCOPES = {
  'sns:Publish': { Ref: 'AlertTopic' },
  'kms:GenerateDataKey': { 'Fn::GetAtt': ['DriftKey', 'Arn'] },
  'kms:Decrypt': { 'Fn::GetAtt': ['DriftKey', 'Arn'] },
  // Alert dedup / storm state lives in the shared state table (serverless/resources/state.yml).
  'dynamodb:PutItem': { 'Fn::GetAtt': ['StateTable', 'Arn'] },
  'dynamodb:UpdateItem': { 'Fn::GetAtt': ['StateTable', 'Arn'] },
  'dynamodb:DeleteItem': { 'Fn::GetAtt': ['StateTable', 'Arn'] },
  'dynamodb:BatchGetItem': { 'Fn::GetAtt': ['StateTable', 'Arn'] },
  // Security Hub output (policy alerts.securityHub): imports into this account's own default
  // product; reads and resolves findings in this account's hub (resource types "product" and
  // "hub": Service Authorization Reference, AWS Security Hub, Actions table).
  'securityhub:BatchImportFindings': sub('arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default'),
  'securityhub:GetFindings': sub('arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default'),
  'securityhub:BatchUpdateFindings': sub('arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default'),
};

// Snapshotters read live state of the account's own resources (each kind adds its read actions
// here; resource types per the Service Authorization Reference).
// ListEventBuses and ListRules have no resource-level permissions ("*" is the only resource AWS
// accepts: Service Authorization Reference, Amazon EventBridge, Actions table: no resource type).
const SNAPSHOTTER_SCOPES = {
  // Key, queue, topic and bus-settings baselines. kms:ListKeys, kms:ListAliases, sqs:ListQueues
  // and sns:ListTopics have no resource type either (Service Authorization Reference: AWS KMS,
  // Amazon SQS, Amazon SNS Actions tables), so "*" is the only resource AWS accepts for them.
  'kms:ListKeys': '*',
  'kms:ListAliases': '*',
  'sqs:ListQueues': '*',
  'sns:ListTopics': '*',
  'kms:DescribeKey': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'kms:GetKeyPolicy': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'kms:GetKeyRotationStatus': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'sqs:GetQueueUrl': sub('arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*'),
  'sqs:GetQueueAttributes': sub('arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*'),
  'sns:GetTopicAttributes': sub('arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*'),
  'events:ListEventBuses': '*',
  'events:ListRules': '*',
  'events:DescribeRule': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*'),
  'events:ListTargetsByRule': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*'),
  'events:DescribeEventBus': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*'),
  // Listing trails has no resource-level permission ("*" only: Service Authorization Reference,
  // AWS CloudTrail, Actions table: DescribeTrails has no resource type); reading one does.
  'cloudtrail:DescribeTrails': '*',
  'cloudtrail:GetTrail': sub('arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*'),
  'cloudtrail:GetTrailStatus': sub('arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*'),
  'cloudtrail:GetEventSelectors': sub('arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*'),
  // EC2 Describe* actions have no resource-level permissions (as above).
  'ec2:DescribeVpcEndpoints': '*',
};

// access-denied-burst's counter: the shared state table (serverless/resources/state.yml),
// encrypted with this stack's key.
const STATE_TABLE_SCOPES = {
  'dynamodb:UpdateItem': { 'Fn::GetAtt': ['StateTable', 'Arn'] },
};

// Idempotency records (serverless/resources/idempotency.yml): this stack's table, encrypted with
// this stack's key (granted with the baseline table's key actions below).
const IDEMPOTENCY_TABLE_SCOPES = Object.fromEntries(
  ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem'].map((a) => [a, { 'Fn::GetAtt': ['IdempotencyTable', 'Arn'] }]),
);

// The kill switch (serverless/resources/kill-switch.yml): this stack's one parameter (Ref gives
// its name, which starts with "/").
const KILL_SWITCH_SCOPES = {
  'ssm:GetParameter': sub('arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${KillSwitchParameter}'),
};

// iam-eventbridge-overgrant reads the default version of customer managed policies of this account
// (resource type policy: Service Authorization Reference, AWS Identity and Access Management).
const MANAGED_POLICY_SCOPES = {
  'iam:GetPolicy': sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*'),
  'iam:GetPolicyVersion': sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*'),
};

// Tag-driven policy (lib/tags): the responder reads the tags of the resource a change acted on
// with each service's own API, scoped to this account's resources of the kinds tag rules steer
// (resource types rule/event-bus, key, queue, trail, topic: Service Authorization Reference).
const TAG_READER_SCOPES = {
  'events:ListTagsForResource': [
    sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*'),
    sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*'),
  ],
  'kms:ListResourceTags': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'sqs:ListQueueTags': sub('arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*'),
  'cloudtrail:ListTags': sub('arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*'),
  'sns:ListTagsForResource': sub('arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*'),
};

// The snapshot function lists tagged resources in one paginated call. tag:GetResources has no
// resource-level permissions ("*" is the only resource AWS accepts: Service Authorization
// Reference, AWS Resource Groups Tagging API, Actions table: no resource type).
const TAG_DIRECTORY_SCOPES = { 'tag:GetResources': '*' };

// The baseline store: this stack's table, encrypted with this stack's key (a customer managed
// key: DynamoDB uses it on the caller's behalf, so the caller needs it too).
const BASELINE_STORE_SCOPES = {
  'dynamodb:GetItem': { 'Fn::GetAtt': ['BaselineTable', 'Arn'] },
  'dynamodb:PutItem': { 'Fn::GetAtt': ['BaselineTable', 'Arn'] },
  'dynamodb:DeleteItem': { 'Fn::GetAtt': ['BaselineTable', 'Arn'] },
};
const BASELINE_TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
const BASELINE_TABLE_KEY_SCOPES = Object.fromEntries(BASELINE_TABLE_KEY_ACTIONS.map((a) => [a, { 'Fn::GetAtt': ['DriftKey', 'Arn'] }]));

/** An empty policy (every default) as the functions read it: a JSON file, written once per process. */
let emptyPolicy;
function emptyPolicyFile() {
  if (!emptyPolicy) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-iam-declarations-'));
    emptyPolicy = path.join(dir, 'policy.json');
    fs.writeFileSync(emptyPolicy, '{}\n');
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return emptyPolicy;
}

/** Builds the functions' dependencies as in Lambda (no AWS call: SDK clients resolve config on first send). */
function wired(build) {
  // Building SDK clients on the local Node 20 prints a support warning about Node, not the
  // bundle (which targets nodejs22.x); keep it out of the packaging output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const unregister = register();
  try {
    // Nothing declared depends on the policy: an empty one (all defaults) is enough.
    return build(require('../lib/responder/wiring.ts'), {
      DRIFT_POLICY_FILE: emptyPolicyFile(),
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:iam-declarations',
      BASELINE_TABLE: 'iam-declarations',
      STATE_TABLE: 'iam-declarations',
      KILL_SWITCH_PARAMETER: '/iam-declarations/kill-switch',
      IDEMPOTENCY_TABLE: 'iam-declarations',
    });
  } finally {
    unregister();
  }
}

function snapshotterDeclarations(snapshotters) {
  return snapshotters.map((s) => ({ who: `snapshotter "${s.kind}"`, sid: `Snapshotter ${s.kind}`, actions: s.iamActions, scopes: SNAPSHOTTER_SCOPES }));
}

/** What the deployed code declares: [{ who, actions }], built by the function's own wiring. */
function declaredActions() {
  return wired(({ depsFromEnvironment, idempotencyFromEnvironment }, env) => {
    const deps = depsFromEnvironment(env);
    return [
      ...deps.remediators.map((r) => ({
        who: `remediator "${r.kind}"`,
        sid: `Remediator ${r.kind}`,
        actions: r.iamActions,
        scopes: REMEDIATOR_SCOPES,
      })),
      { who: 'the SNS alert sink', sid: 'AlertSink', actions: deps.alerts.iamActions, scopes: ALERT_SINK_SCOPES },
      // Trusted changes move baselines: the responder re-captures what they touched.
      ...snapshotterDeclarations(deps.snapshotters),
      { who: 'the baseline store', sid: 'BaselineStore', actions: deps.baselines.iamActions, scopes: BASELINE_STORE_SCOPES },
      { who: 'the baseline table encryption', sid: 'BaselineTableKey', actions: BASELINE_TABLE_KEY_ACTIONS, scopes: BASELINE_TABLE_KEY_SCOPES },
      { who: 'the managed policy reader (iam-eventbridge-overgrant)', sid: 'ManagedPolicyReader', actions: deps.managedPolicies.iamActions, scopes: MANAGED_POLICY_SCOPES },
      { who: 'the tag reader (tag-driven policy)', sid: 'TagReader', actions: deps.tags.iamActions, scopes: TAG_READER_SCOPES },
      { who: 'the burst counter (access-denied-burst)', sid: 'StateTable', actions: deps.bursts.iamActions, scopes: STATE_TABLE_SCOPES },
      { who: 'the remediation-loop guard', sid: 'RemediationLoop', actions: deps.loopGuard.iamActions, scopes: STATE_TABLE_SCOPES },
      { who: 'the kill switch', sid: 'KillSwitch', actions: deps.killSwitch.iamActions, scopes: KILL_SWITCH_SCOPES },
      { who: 'the idempotency records', sid: 'IdempotencyTable', actions: idempotencyFromEnvironment(env).iamActions, scopes: IDEMPOTENCY_TABLE_SCOPES },
      // After restarting a stopped trail the responder invokes the sweep at once (lib/sweep/trigger.ts).
      { who: 'the sweep trigger', sid: 'SweepTrigger', actions: sweepTriggerActions(), scopes: SWEEP_TRIGGER_SCOPES },
    ];
  });
}

// The reconciliation sweep (serverless/resources/sweep.yml).
// The responder invokes this one function (and only asynchronously, InvocationType Event).
const SWEEP_TRIGGER_SCOPES = { 'lambda:InvokeFunction': { 'Fn::GetAtt': ['SweepLambdaFunction', 'Arn'] } };
// What the sweep reads: the snapshotters' reads, the grants of keys and the subscriptions of topics.
const SWEEP_READER_SCOPES = {
  ...SNAPSHOTTER_SCOPES,
  'kms:ListGrants': sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
  'sns:ListSubscriptionsByTopic': sub('arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*'),
  // API destinations and connections (target-untrusted-destination). Listing them has no
  // resource-level permission ("*" only: Service Authorization Reference, Amazon EventBridge,
  // Actions table: no resource type for ListApiDestinations and ListConnections); describing a
  // connection does (resource type connection).
  'events:ListApiDestinations': '*',
  'events:ListConnections': '*',
  'events:DescribeConnection': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:connection/*'),
  // IAM grants (policy sweep.iamGrants). Listing roles, users and groups has no resource-level
  // permission ("*" only: Service Authorization Reference, AWS Identity and Access Management,
  // Actions table: no resource type for ListRoles, ListUsers and ListGroups); reading one
  // principal's policies is scoped to this account's roles, users and groups.
  'iam:ListRoles': '*',
  'iam:ListUsers': '*',
  'iam:ListGroups': '*',
  ...Object.fromEntries(
    ['Role', 'User', 'Group'].flatMap((k) =>
      [`iam:ListAttached${k}Policies`, `iam:List${k}Policies`, `iam:Get${k}Policy`].map((action) => [action, sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:${k.toLowerCase()}/*`)]),
    ),
  ),
};
// Baselines of resources gone from live state are found by a Scan of the baseline table; the
// checkpoint and the lease are items of the state table.
const SWEEP_CATALOG_SCOPES = { 'dynamodb:Scan': { 'Fn::GetAtt': ['BaselineTable', 'Arn'] } };
const SWEEP_CHECKPOINT_SCOPES = Object.fromEntries(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'].map((a) => [a, { 'Fn::GetAtt': ['StateTable', 'Arn'] }]));
// What the responder declares that the sweep never uses: it handles no CloudTrail delivery
// (idempotency), no failed call (burst counter), and it does not trigger itself. (It keeps the
// managed policy reader: with sweep.iamGrants it judges attached customer managed policies.)
const NOT_SWEEP = new Set(['IdempotencyTable', 'StateTable', 'SweepTrigger']);

function sweepTriggerActions() {
  const { lambdaSweepTrigger } = require('../lib/sweep/trigger.ts');
  return lambdaSweepTrigger(undefined, 'iam-declarations').iamActions;
}

/** The sweep function: the responder's pipeline (remediators, alerts, baselines...) and the sweep's own reads and state. */
function sweepDeclaredActions() {
  const pipeline = declaredActions().filter((d) => !NOT_SWEEP.has(d.sid));
  return wired((_, env) => {
    const { sweepWiringFromEnvironment } = require('../lib/sweep/wiring.ts');
    const { iamActions } = sweepWiringFromEnvironment(env);
    return [
      ...pipeline,
      { who: 'the sweep reading live state', sid: 'SweepReader', actions: iamActions.readers, scopes: SWEEP_READER_SCOPES },
      { who: 'the sweep listing baselines', sid: 'SweepBaselineCatalog', actions: iamActions.catalog, scopes: SWEEP_CATALOG_SCOPES },
      { who: 'the sweep checkpoint and lease', sid: 'SweepCheckpoint', actions: iamActions.checkpoints, scopes: SWEEP_CHECKPOINT_SCOPES },
    ];
  });
}

/** The snapshot function: every snapshotter's reads, and writing baselines (PutItem only). */
function snapshotDeclaredActions() {
  return wired(({ snapshotDepsFromEnvironment }, env) => {
    const deps = snapshotDepsFromEnvironment(env);
    return [
      ...snapshotterDeclarations(deps.snapshotters),
      { who: 'the snapshot function writing baselines', sid: 'BaselineStore', actions: ['dynamodb:PutItem'], scopes: BASELINE_STORE_SCOPES },
      { who: 'the tag directory (resources protected by tags)', sid: 'TagDirectory', actions: deps.tagDirectory.iamActions, scopes: TAG_DIRECTORY_SCOPES },
      { who: 'the baseline table encryption', sid: 'BaselineTableKey', actions: BASELINE_TABLE_KEY_ACTIONS, scopes: BASELINE_TABLE_KEY_SCOPES },
    ];
  });
}

function pascal(text) {
  return text.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}

/** One statement per (declarer, resource), actions sorted: stable output, readable policy. */
function statementsOf(declarations) {
  const statements = [];
  // Sids must be unique in a policy: a declarer's second statement on the same service is numbered.
  const used = new Map();
  const uniqueSid = (base) => {
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}${n}`;
  };
  for (const { who, sid, actions, scopes } of declarations) {
    const byResource = new Map();
    for (const action of actions) {
      if (action.includes('*')) throw new Error(`${who} declares the wildcard IAM action "${action}"; declare exact actions`);
      const resource = scopes[action];
      if (!resource) {
        throw new Error(
          `${who} declares IAM action "${action}" but scripts/serverless-iam.cjs has no resource scope for it; ` +
            'add the narrowest resource AWS allows for that action',
        );
      }
      const key = JSON.stringify(resource);
      byResource.set(key, { resource, actions: [...(byResource.get(key)?.actions ?? []), action] });
    }
    for (const { resource, actions: grouped } of byResource.values()) {
      const service = grouped[0].split(':')[0];
      // A scope is a resource, or { Resource, Condition } when the grant needs a condition too.
      const conditioned = resource && typeof resource === 'object' && 'Resource' in resource;
      statements.push({
        Sid: uniqueSid(pascal(`${sid} ${service}`)),
        Effect: 'Allow',
        Action: [...new Set(grouped)].sort(),
        Resource: conditioned ? resource.Resource : resource,
        ...(conditioned ? { Condition: resource.Condition } : {}),
      });
    }
  }
  return statements;
}

module.exports.statements = () => statementsOf(declaredActions());
module.exports.snapshotStatements = () => statementsOf(snapshotDeclaredActions());

// IAM caps a role's inline policies at 10,240 characters in all and a managed policy at 6,144
// (whitespace aside: IAM and AWS STS quotas). The sweep's statements (the responder's pipeline
// and its own reads) are more than the inline cap, so they go into managed policies attached to
// its role, each kept under this many characters of template JSON (longer than the deployed
// policy for the Fn::Sub ARNs, shorter for the GetAtt ones, which stay under 100 characters each).
const MANAGED_POLICY_BUDGET = 4500;

/** Statements as managed policies attached to `role` (resources `<prefix>1`, `<prefix>2`, ...), each under the budget. */
function managedPoliciesOf(statements, role, prefix, what) {
  const chunks = [[]];
  let size = 0;
  for (const statement of statements) {
    const length = JSON.stringify(statement).length;
    if (size + length > MANAGED_POLICY_BUDGET && chunks[chunks.length - 1].length > 0) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1].push(statement);
    size += length;
  }
  const Resources = Object.fromEntries(
    chunks.map((Statement, i) => [
      `${prefix}${i + 1}`,
      {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          Description: `drift-responder - ${what}, part ${i + 1} of ${chunks.length} (scripts/serverless-iam.cjs)`,
          Roles: [{ Ref: role }],
          PolicyDocument: { Version: '2012-10-17', Statement },
        },
      },
    ]),
  );
  return { Resources };
}

module.exports.sweepManagedPolicies = () => managedPoliciesOf(statementsOf(sweepDeclaredActions()), 'SweepRole', 'SweepDeclaredActions', "the reconciliation sweep's declared actions");
// The responder's declared statements outgrew a role's inline quota too (about 11,800 characters
// deployed once tag reading, idempotency and the safety guards landed): same treatment.
module.exports.responderManagedPolicies = () => managedPoliciesOf(statementsOf(declaredActions()), 'ResponderRole', 'ResponderDeclaredActions', "the responder's declared actions");
module.exports.SNAPSHOTTER_SCOPES = SNAPSHOTTER_SCOPES;
