/**
 * The SNS alert sink over the real awsQuery client (scripted transport): what one Publish puts on
 * the wire, and that SNS's refusals reach the caller with their code.
 */
import { NO_BASELINES } from '../baseline/types';
import { evaluateChange } from '../controls/evaluate';
import { controlIds, controls } from '../controls/registry';
import { parseChange } from '../events/parse';
import { parsePolicy } from '../policy/load';
import { SNS } from '../aws/wire/services';
import { cloneWith, PUT_PERMISSION_LEGACY } from '../../test/support/fixtures';
import { queryAnswer, queryErrorAnswer, scriptedQueryService } from '../../test/support/query-services';
import { alertOf, type Alert } from './format';
import { snsAlertSink, snsMessageOf } from './sns';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:drift-alerts';
const PUBLISHED = queryAnswer('Publish', '<MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId>');

/** A bus-policy-public alert: the legacy PutPermission fixture opened to everyone. */
function publicBusAlert(): Alert {
  const policy = parsePolicy('trustedAccounts: ["111122223333"]\n', 'test-policy.yml', controlIds);
  const record = cloneWith(PUT_PERMISSION_LEGACY, (r) => {
    r.requestParameters.principal = '*';
  });
  const { findings } = evaluateChange(parseChange(record), { policy, baselines: NO_BASELINES }, controls);
  expect(findings).toHaveLength(1);
  return alertOf(findings[0]!);
}

describe('snsAlertSink', () => {
  it('publishes the per-protocol message with its subject and the alert attributes as String message attributes', async () => {
    // Prepare
    const alert = publicBusAlert();
    const { service, forms } = scriptedQueryService(SNS, PUBLISHED);

    // Act
    await snsAlertSink(service, TOPIC).publish(alert);

    // Assess
    const [form] = forms();
    expect(form).toEqual({
      Action: 'Publish',
      Version: '2010-03-31',
      Message: snsMessageOf(alert).json,
      TopicArn: TOPIC,
      Subject: alert.subject,
      MessageStructure: 'json',
      'MessageAttributes.entry.1.Name': 'severity',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': alert.attributes.severity,
      'MessageAttributes.entry.2.Name': 'control',
      'MessageAttributes.entry.2.Value.DataType': 'String',
      'MessageAttributes.entry.2.Value.StringValue': 'bus-policy-public',
      'MessageAttributes.entry.3.Name': 'account',
      'MessageAttributes.entry.3.Value.DataType': 'String',
      'MessageAttributes.entry.3.Value.StringValue': alert.attributes.account,
      'MessageAttributes.entry.4.Name': 'kind',
      'MessageAttributes.entry.4.Value.DataType': 'String',
      'MessageAttributes.entry.4.Value.StringValue': 'finding',
    });
  });

  it("fails with SNS's error code when the topic refuses the publish", async () => {
    // Prepare
    const { service, sent } = scriptedQueryService(SNS, queryErrorAnswer(403, 'AuthorizationError'));

    // Act
    const published = snsAlertSink(service, TOPIC).publish(publicBusAlert());

    // Assess
    await expect(published).rejects.toMatchObject({ name: 'AuthorizationError', $metadata: { httpStatusCode: 403 } });
    expect(sent).toHaveLength(1);
  });
});
