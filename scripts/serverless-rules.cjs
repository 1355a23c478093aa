// Serverless variable resolver: the EventBridge side of the responder, generated from the
// patterns the controls' trigger declarations give (scripts/serverless-patterns.cjs →
// eventPatternsOf(controls)), one rule per CloudTrail eventSource:
//   - AWS::Events::Rule on the default bus (where CloudTrail delivers management events), its
//     target the responder function with a retry policy and a dead-letter queue;
//   - AWS::Lambda::Permission letting exactly that rule invoke the function;
//   - CloudWatch alarms on the rule's FailedInvocations, InvocationsSentToDlq, ThrottledRules and
//     InvocationsFailedToBeSentToDlq;
//   - the rule DLQ's queue policy: TLS only, and SendMessage for events.amazonaws.com only
//     from these rules (aws:SourceArn).
// Used in serverless.yml as ${file(./scripts/serverless-rules.cjs):resources}.
const { patterns } = require('./serverless-patterns.cjs');

const FUNCTION = 'ResponderLambdaFunction';
const RULE_DLQ = 'RuleDeadLetterQueue';
const TOPIC = 'AlertTopic';

// EventBridge retries a failed delivery to Lambda (throttling, service errors) this many times
// within this age, then puts the event in the rule DLQ.
const RETRY_POLICY = { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 };

function pascal(text) {
  return text.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, __, c) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}

/** `events.amazonaws.com` → `events` (rule name suffix) and `Events` (logical id part). */
function namesOf(pattern) {
  const eventSource = pattern.detail.eventSource[0];
  const slug = eventSource.replace(/\.amazonaws\.com$/, '').replace(/[^A-Za-z0-9-]+/g, '-').toLowerCase();
  return { eventSource, slug, id: pascal(slug) };
}

function ruleAlarm(ruleId, slug, metric, description) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: { 'Fn::Sub': `\${AWS::StackName}-rule-${slug}-${metric}` },
      AlarmDescription: description,
      Namespace: 'AWS/Events',
      MetricName: metric,
      Dimensions: [{ Name: 'RuleName', Value: { Ref: ruleId } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: TOPIC }],
      OKActions: [{ Ref: TOPIC }],
    },
  };
}

/**
 * The names of the responder's own rules, for its RESPONDER_RULES environment variable:
 * changes to them are always protected (whatever protect.rules says). A comma-separated
 * Fn::Sub (not Refs: the rules target the function, so referencing them from the function
 * would be a circular dependency). The snapshot schedule (serverless/resources/snapshot.yml,
 * named \${AWS::StackName}-baseline-snapshot) is one of them, and so is the alert digest's
 * (serverless/resources/alerting.yml, \${AWS::StackName}-alert-digest).
 */
module.exports.ownRuleNames = () => ({
  'Fn::Sub': [...patterns().map((p) => `\${AWS::StackName}-${namesOf(p).slug}`), '${AWS::StackName}-baseline-snapshot', '${AWS::StackName}-alert-digest'].join(','),
});

/** The rules' ARNs (GetAtt): whatever lists them depends on them, e.g. the snapshot on deploy. */
module.exports.ruleArns = () => patterns().map((p) => ({ 'Fn::GetAtt': [`ResponderRule${namesOf(p).id}`, 'Arn'] }));

module.exports.resources = () => {
  const Resources = {};
  const ruleArns = [];
  const seen = new Set();
  for (const pattern of patterns()) {
    const { eventSource, slug, id } = namesOf(pattern);
    if (seen.has(id)) throw new Error(`two EventBridge patterns map to the same rule id ${id} (${eventSource})`);
    seen.add(id);
    const ruleId = `ResponderRule${id}`;
    ruleArns.push({ 'Fn::GetAtt': [ruleId, 'Arn'] });

    Resources[ruleId] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        // Ref on a default-bus rule is its name: the RuleName dimension of its metrics.
        Name: { 'Fn::Sub': `\${AWS::StackName}-${slug}` },
        Description: `drift-responder: CloudTrail management events from ${eventSource} that controls handle (generated from the controls' triggers)`,
        State: 'ENABLED',
        EventPattern: pattern,
        Targets: [
          {
            Id: 'responder',
            Arn: { 'Fn::GetAtt': [FUNCTION, 'Arn'] },
            RetryPolicy: RETRY_POLICY,
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [RULE_DLQ, 'Arn'] } },
          },
        ],
      },
    };
    Resources[`ResponderRule${id}InvokePermission`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': [FUNCTION, 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
        SourceAccount: { Ref: 'AWS::AccountId' },
      },
    };
    Resources[`ResponderRule${id}FailedInvocationsAlarm`] = ruleAlarm(
      ruleId,
      slug,
      'FailedInvocations',
      `EventBridge could not invoke the responder for ${eventSource} events (after retries): those changes were not evaluated. See the rule DLQ.`,
    );
    Resources[`ResponderRule${id}InvocationsSentToDlqAlarm`] = ruleAlarm(
      ruleId,
      slug,
      'InvocationsSentToDlq',
      `EventBridge put ${eventSource} events in the rule DLQ instead of invoking the responder: those changes were not evaluated.`,
    );
    Resources[`ResponderRule${id}ThrottledRulesAlarm`] = ruleAlarm(
      ruleId,
      slug,
      'ThrottledRules',
      `EventBridge throttled the rule for ${eventSource} events: the responder is invoked late (or the events end in the rule DLQ).`,
    );
    Resources[`ResponderRule${id}InvocationsFailedToBeSentToDlqAlarm`] = ruleAlarm(
      ruleId,
      slug,
      'InvocationsFailedToBeSentToDlq',
      `EventBridge could neither invoke the responder for ${eventSource} events nor put them in the rule DLQ: those changes are lost.`,
    );
  }
  if (ruleArns.length === 0) throw new Error('eventPatternsOf(controls) returned no pattern: the responder would never be invoked');

  Resources.RuleDeadLetterQueuePolicy = {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [{ Ref: RULE_DLQ }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sqs:*',
            Resource: { 'Fn::GetAtt': [RULE_DLQ, 'Arn'] },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          {
            Sid: 'AllowResponderRulesDeadLetters',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [RULE_DLQ, 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
          },
        ],
      },
    },
  };
  return { Resources };
};
