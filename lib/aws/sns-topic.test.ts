/**
 * The topic adapter over the real awsQuery client (scripted transport): the Attributes map read
 * from its entry/key/value XML, ListTopics' pages, tags, and "no such topic".
 */
import { listTopicTags, snsTopicAdapter } from './sns-topic';
import { SNS } from './wire/services';
import { queryAnswer, queryErrorAnswer, scriptedQueryService } from '../../test/support/query-services';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:drift-alerts';
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'owner', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'SNS:Publish', Resource: TOPIC, Condition: { StringEquals: { 'AWS:SourceOwner': '123456789012' } } }] });

/** XML text, as SNS escapes it. */
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

describe('snsTopicAdapter', () => {
  it('reads every topic attribute from the entries of the Attributes map, policy text unchanged', async () => {
    // Prepare
    const { service, forms } = scriptedQueryService(
      SNS,
      queryAnswer(
        'GetTopicAttributes',
        `<Attributes>
          <entry><key>Policy</key><value>${escaped(POLICY)}</value></entry>
          <entry><key>KmsMasterKeyId</key><value>alias/drift</value></entry>
          <entry><key>DisplayName</key><value></value></entry>
        </Attributes>`,
      ),
    );

    // Act
    const attributes = await snsTopicAdapter(service).getAttributes(TOPIC);

    // Assess
    expect(attributes).toEqual({ Policy: POLICY, KmsMasterKeyId: 'alias/drift', DisplayName: '' });
    expect(forms()).toEqual([{ Action: 'GetTopicAttributes', Version: '2010-03-31', TopicArn: TOPIC }]);
  });

  it('reads a topic that no longer exists as undefined', async () => {
    // Prepare
    const { service } = scriptedQueryService(SNS, queryErrorAnswer(404, 'NotFound'));

    // Act
    const attributes = await snsTopicAdapter(service).getAttributes(TOPIC);

    // Assess
    expect(attributes).toBeUndefined();
  });

  it('throws a refusal to read the attributes, rather than read it as a missing topic', async () => {
    // Prepare
    const { service } = scriptedQueryService(SNS, queryErrorAnswer(403, 'AuthorizationError'));

    // Act
    const read = snsTopicAdapter(service).getAttributes(TOPIC);

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'AuthorizationError' });
  });

  it('sets one attribute by name', async () => {
    // Prepare
    const { service, forms } = scriptedQueryService(SNS, queryAnswer('SetTopicAttributes', ''));

    // Act
    await snsTopicAdapter(service).setAttribute(TOPIC, 'Policy', POLICY);

    // Assess
    expect(forms()).toEqual([{ Action: 'SetTopicAttributes', Version: '2010-03-31', TopicArn: TOPIC, AttributeName: 'Policy', AttributeValue: POLICY }]);
  });

  it('lists the topics of every page, following NextToken', async () => {
    // Prepare
    const { service, forms } = scriptedQueryService(
      SNS,
      queryAnswer('ListTopics', `<Topics><member><TopicArn>${TOPIC}</TopicArn></member><member><TopicArn>${TOPIC}-2</TopicArn></member></Topics><NextToken>page+2/=</NextToken>`),
      queryAnswer('ListTopics', `<Topics><member><TopicArn>${TOPIC}-3</TopicArn></member></Topics>`),
    );

    // Act
    const arns = await snsTopicAdapter(service).listTopicArns();

    // Assess
    expect(arns).toEqual([TOPIC, `${TOPIC}-2`, `${TOPIC}-3`]);
    expect(forms()).toEqual([
      { Action: 'ListTopics', Version: '2010-03-31' },
      { Action: 'ListTopics', Version: '2010-03-31', NextToken: 'page+2/=' },
    ]);
  });
});

describe('listTopicTags', () => {
  it('reads the tag members as key and value pairs', async () => {
    // Prepare
    const { service, forms } = scriptedQueryService(
      SNS,
      queryAnswer('ListTagsForResource', '<Tags><member><Key>Environment</Key><Value>Production</Value></member><member><Key>empty</Key><Value/></member></Tags>'),
    );

    // Act
    const tags = await listTopicTags(service, TOPIC);

    // Assess
    expect(tags).toEqual([
      { Key: 'Environment', Value: 'Production' },
      { Key: 'empty', Value: '' },
    ]);
    expect(forms()).toEqual([{ Action: 'ListTagsForResource', Version: '2010-03-31', ResourceArn: TOPIC }]);
  });
});
