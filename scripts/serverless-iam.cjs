// Serverless variable resolver: the responder role's IAM statements for what the code does,
// generated from the `iamActions` the code declares (the one source of truth):
//   - every remediator lib/responder/wiring.ts builds (depsFromEnvironment), and
//   - the alert sink it builds (SNS publish to the KMS-encrypted topic).
// Used in serverless/resources/iam.yml as ${file(./scripts/serverless-iam.cjs):statements}.
//
// Each action needs a resource scope below. An action without one fails packaging, naming the
// action and who declared it: add the narrowest resource AWS allows for it (see the Service
// Authorization Reference), never "*" where the action supports resource-level permissions.
const os = require('node:os');
const { register } = require('tsx/cjs/api');

const sub = (arn) => ({ 'Fn::Sub': arn });

// Remediators act on the account's own resources in the stack's region (resource types per
// the Service Authorization Reference).
const REMEDIATOR_SCOPES = {
  'events:DescribeEventBus': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*'),
  'events:PutPermission': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*'),
  'events:RemovePermission': sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/*'),
};

// The alert sink publishes to this stack's topic, encrypted with this stack's key.
const ALERT_SINK_SCOPES = {
  'sns:Publish': { Ref: 'AlertTopic' },
  'kms:GenerateDataKey': { 'Fn::GetAtt': ['DriftKey', 'Arn'] },
  'kms:Decrypt': { 'Fn::GetAtt': ['DriftKey', 'Arn'] },
};

/** What the deployed code declares: [{ who, actions }], built by the function's own wiring. */
function declaredActions() {
  // Building SDK clients on the local Node 20 prints a support warning about Node, not the
  // bundle (which targets nodejs22.x); keep it out of the packaging output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const unregister = register();
  try {
    const { depsFromEnvironment } = require('../lib/responder/wiring.ts');
    // Remediators and the alert sink do not depend on the policy: an empty one (all defaults)
    // is enough to build them. No AWS call is made; SDK clients only resolve config on first send.
    const deps = depsFromEnvironment({
      DRIFT_POLICY_FILE: os.devNull,
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:iam-declarations',
    });
    return [
      ...deps.remediators.map((r) => ({
        who: `remediator "${r.kind}"`,
        sid: `Remediator ${r.kind}`,
        actions: r.iamActions,
        scopes: REMEDIATOR_SCOPES,
      })),
      { who: 'the SNS alert sink', sid: 'AlertSink', actions: deps.alerts.iamActions, scopes: ALERT_SINK_SCOPES },
    ];
  } finally {
    unregister();
  }
}

function pascal(text) {
  return text.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}

/** One statement per (declarer, resource), actions sorted: stable output, readable policy. */
module.exports.statements = () => {
  const statements = [];
  for (const { who, sid, actions, scopes } of declaredActions()) {
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
      statements.push({
        Sid: pascal(`${sid} ${service}`),
        Effect: 'Allow',
        Action: [...new Set(grouped)].sort(),
        Resource: resource,
      });
    }
  }
  return statements;
};
