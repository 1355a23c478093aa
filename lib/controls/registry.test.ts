import { busStatementsRemediator, type EventBusPolicyPort } from '../remediation/bus-statements';
import { restoreTrailConfigRemediator, restoreTrailSelectorsRemediator, startTrailLoggingRemediator, type CloudTrailPort } from '../remediation/cloudtrail';
import { restoreEndpointPolicyRemediator, type VpcEndpointPort } from '../remediation/endpoints';
import { restoreBusEncryptionRemediator, type EventBusSettingsPort } from '../remediation/bus-encryption';
import { kmsRemediators, type KmsKeysPort } from '../remediation/kms-keys';
import { removeQueueStatementsRemediator, restoreQueueAttributesRemediator, type QueueAttributesPort } from '../remediation/queues';
import { restoreTopicAttributesRemediator, type TopicAttributesPort } from '../remediation/topic';
import { removeTargetsRemediator, restoreBusRemediator, restoreRuleRemediator, type EventRulesPort } from '../remediation/rules';
import { revokeIamGrantRemediator, type IamGrantPort } from '../remediation/iam-grants';
import { eventBridgeSourceOf, eventPatternsOf } from './patterns';
import { controlById, controlIds, controls } from './registry';
import { SEVERITIES, type Control } from './types';

const unusedPort = {} as EventBusPolicyPort;
const unusedTrailPort = {} as CloudTrailPort;
const remediators = [
  busStatementsRemediator(unusedPort),
  startTrailLoggingRemediator(unusedTrailPort),
  restoreTrailSelectorsRemediator(unusedTrailPort),
  restoreTrailConfigRemediator(unusedTrailPort),
  restoreEndpointPolicyRemediator({} as VpcEndpointPort),
  ...kmsRemediators({} as KmsKeysPort),
  restoreBusEncryptionRemediator({} as EventBusSettingsPort),
  restoreQueueAttributesRemediator({} as QueueAttributesPort),
  removeQueueStatementsRemediator({} as QueueAttributesPort),
  restoreTopicAttributesRemediator({} as TopicAttributesPort),
  restoreRuleRemediator({} as EventRulesPort),
  removeTargetsRemediator({} as EventRulesPort),
  restoreBusRemediator({} as EventRulesPort),
  revokeIamGrantRemediator({} as IamGrantPort),
];

describe('the control registry', () => {
  it('has unique ids in kebab case', () => {
    expect(new Set(controlIds).size).toBe(controlIds.length);
    controlIds.forEach((id) => expect(id).toMatch(/^[a-z]+(-[a-z]+)+$/));
  });

  it.each(controls.map((c) => [c.id, c as Control] as const))('%s declares its triggers, severity and a remediator with IAM actions', (_id, control) => {
    expect(control.triggers.length).toBeGreaterThan(0);
    control.triggers.forEach((t) => {
      expect(t.eventSource).toMatch(/^[a-z0-9-]+\.amazonaws\.com$/);
      expect(t.eventNames.length).toBeGreaterThan(0);
    });
    expect(SEVERITIES).toContain(control.severity);
    if (control.remediation) {
      const remediator = remediators.find((r) => r.kind === control.remediation);
      expect(remediator?.iamActions.length).toBeGreaterThan(0);
    }
  });

  it('fails on an unknown id with the list of valid ones', () => {
    expect(() => controlById('bus-policy-publik')).toThrow(/valid ids: .*bus-policy-public/);
  });
});

describe('eventPatternsOf', () => {
  const patterns = eventPatternsOf(controls);

  it.each(controls.flatMap((c) => c.triggers.flatMap((t) => t.eventNames.map((n) => [c.id, t.eventSource, n] as const))))(
    '%s: a deployed pattern matches %s %s',
    (_id, eventSource, eventName) => {
      const matching = patterns.filter(
        (p) => p.source.includes(eventBridgeSourceOf(eventSource)) && p.detail.eventSource.includes(eventSource) && p.detail.eventName.includes(eventName),
      );
      expect(matching).toHaveLength(1);
    },
  );

  it('names no event that no control handles', () => {
    const declared = new Set(controls.flatMap((c) => c.triggers.flatMap((t) => t.eventNames.map((n) => `${t.eventSource} ${n}`))));
    patterns.forEach((p) => p.detail.eventName.forEach((n) => expect(declared).toContain(`${p.detail.eventSource[0]} ${n}`)));
  });

  it('filters out failed calls when no control asks for them', () => {
    expect(eventPatternsOf([{ ...controls[0], handlesFailedCalls: false }])[0]?.detail.errorCode).toEqual([{ exists: false }]);
    expect(eventPatternsOf([{ ...controls[0], handlesFailedCalls: true }])[0]?.detail.errorCode).toBeUndefined();
  });

  it('maps CloudTrail event sources to EventBridge sources', () => {
    expect(eventBridgeSourceOf('events.amazonaws.com')).toBe('aws.events');
    expect(eventBridgeSourceOf('kms.amazonaws.com')).toBe('aws.kms');
    expect(eventBridgeSourceOf('monitoring.amazonaws.com')).toBe('aws.cloudwatch');
  });
});
