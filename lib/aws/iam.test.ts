/**
 * The IAM adapters over the real awsQuery client (scripted transport): each kind of principal
 * calls its own API, pages follow Marker while IsTruncated, policy documents arrive URL-encoded
 * inside the XML and are decoded once, and NoSuchEntity reads as "no such policy".
 * (moto sends GetPolicyVersion's Document as plain JSON, unlike AWS: the encoded form is only tested here.)
 */
import { queryAnswer, queryErrorAnswer, scriptedQueryService } from '../../test/support/query-services';
import { iamGrantAdapter, managedPolicyAdapter } from './iam';
import { IAM } from './wire/services';

const POLICY_ARN = 'arn:aws:iam::123456789012:policy/events-admin';
const EVENTS_ADMIN = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }] };
/** As IAM sends a document: URL-encoded (RFC 3986), then XML-escaped (nothing to escape once encoded). */
const encoded = (document: object) => encodeURIComponent(JSON.stringify(document, null, 2));
const VERSION = { Version: '2010-05-08' };

const attachedPage = (arns: string[], marker?: string) =>
  `<AttachedPolicies>${arns.map((arn) => `<member><PolicyName>${arn.split('/').pop()}</PolicyName><PolicyArn>${arn}</PolicyArn></member>`).join('')}</AttachedPolicies>` +
  (marker ? `<IsTruncated>true</IsTruncated><Marker>${marker}</Marker>` : '<IsTruncated>false</IsTruncated>');

describe('iamGrantAdapter', () => {
  it.each([
    ['role', 'ListAttachedRolePolicies', 'RoleName'],
    ['user', 'ListAttachedUserPolicies', 'UserName'],
    ['group', 'ListAttachedGroupPolicies', 'GroupName'],
  ] as const)('finds a %s\'s attached policy on a later page (%s, Marker while IsTruncated)', async (kind, action, nameMember) => {
    // Prepare
    const { service, forms } = scriptedQueryService(
      IAM,
      queryAnswer(action, attachedPage(['arn:aws:iam::aws:policy/ReadOnlyAccess'], 'page-2')),
      queryAnswer(action, attachedPage([POLICY_ARN])),
    );

    // Act
    const attached = await iamGrantAdapter(service).isAttached(kind, 'app', POLICY_ARN);

    // Assess
    expect(attached).toBe(true);
    expect(forms()).toEqual([
      { Action: action, ...VERSION, [nameMember]: 'app', MaxItems: '100' },
      { Action: action, ...VERSION, [nameMember]: 'app', Marker: 'page-2', MaxItems: '100' },
    ]);
  });

  it('reads a policy not on the last page as not attached, without asking for more', async () => {
    // Prepare: a Marker without IsTruncated true is not a next page.
    const { service, forms } = scriptedQueryService(IAM, queryAnswer('ListAttachedRolePolicies', `${attachedPage(['arn:aws:iam::aws:policy/ReadOnlyAccess'])}<Marker>stale</Marker>`));

    // Act
    const attached = await iamGrantAdapter(service).isAttached('role', 'app', POLICY_ARN);

    // Assess
    expect(attached).toBe(false);
    expect(forms()).toHaveLength(1);
  });

  it.each([
    ['role', 'GetRolePolicy', 'RoleName'],
    ['user', 'GetUserPolicy', 'UserName'],
    ['group', 'GetGroupPolicy', 'GroupName'],
  ] as const)('reads a %s\'s inline policy (%s), decoding the URL-encoded document', async (kind, action, nameMember) => {
    // Prepare
    const { service, forms } = scriptedQueryService(IAM, queryAnswer(action, `<${nameMember}>app</${nameMember}><PolicyName>events</PolicyName><PolicyDocument>${encoded(EVENTS_ADMIN)}</PolicyDocument>`));

    // Act
    const document = await iamGrantAdapter(service).inlinePolicy(kind, 'app', 'events');

    // Assess
    expect(document).toMatchObject({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }] });
    expect(forms()).toEqual([{ Action: action, ...VERSION, [nameMember]: 'app', PolicyName: 'events' }]);
  });

  it('reads an inline policy that does not exist (NoSuchEntity, HTTP 404) as undefined', async () => {
    // Prepare
    const { service } = scriptedQueryService(IAM, queryErrorAnswer(404, 'NoSuchEntity'));

    // Act
    const document = await iamGrantAdapter(service).inlinePolicy('role', 'app', 'gone');

    // Assess
    expect(document).toBeUndefined();
  });

  it('throws a refusal to read an inline policy, rather than read it as absent', async () => {
    // Prepare
    const { service } = scriptedQueryService(IAM, queryErrorAnswer(403, 'AccessDenied'));

    // Act
    const read = iamGrantAdapter(service).inlinePolicy('user', 'bob', 'events');

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });

  it.each([
    ['role', 'RoleName', 'DetachRolePolicy', 'DeleteRolePolicy'],
    ['user', 'UserName', 'DetachUserPolicy', 'DeleteUserPolicy'],
    ['group', 'GroupName', 'DetachGroupPolicy', 'DeleteGroupPolicy'],
  ] as const)('detaches from and deletes inline policies of a %s with its own APIs', async (kind, nameMember, detach, remove) => {
    // Prepare
    const { service, forms } = scriptedQueryService(IAM, queryAnswer(detach, ''), queryAnswer(remove, ''));
    const adapter = iamGrantAdapter(service);

    // Act
    await adapter.detach(kind, 'app', POLICY_ARN);
    await adapter.deleteInline(kind, 'app', 'events');

    // Assess
    expect(forms()).toEqual([
      { Action: detach, ...VERSION, [nameMember]: 'app', PolicyArn: POLICY_ARN },
      { Action: remove, ...VERSION, [nameMember]: 'app', PolicyName: 'events' },
    ]);
  });

  it('throws a failed detach (the remediation reports it), after retrying what is transient', async () => {
    // Prepare
    const { service, forms } = scriptedQueryService(IAM, queryErrorAnswer(503, 'ServiceUnavailable'), queryErrorAnswer(409, 'UnmodifiableEntity'));

    // Act
    const detach = iamGrantAdapter(service).detach('role', 'app', POLICY_ARN);

    // Assess
    await expect(detach).rejects.toMatchObject({ name: 'UnmodifiableEntity', $metadata: { attempts: 2 } });
    expect(forms()).toHaveLength(2);
  });
});

describe('managedPolicyAdapter', () => {
  it('reads the default version named by GetPolicy, decoding its URL-encoded document', async () => {
    // Prepare
    const { service, forms } = scriptedQueryService(
      IAM,
      queryAnswer('GetPolicy', `<Policy><PolicyName>events-admin</PolicyName><Arn>${POLICY_ARN}</Arn><DefaultVersionId>v3</DefaultVersionId><AttachmentCount>1</AttachmentCount></Policy>`),
      queryAnswer('GetPolicyVersion', `<PolicyVersion><Document>${encoded(EVENTS_ADMIN)}</Document><VersionId>v3</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>`),
    );

    // Act
    const read = await managedPolicyAdapter(service).defaultVersion(POLICY_ARN);

    // Assess
    expect(read).toMatchObject({ versionId: 'v3', document: { Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }] } });
    expect(forms()).toEqual([
      { Action: 'GetPolicy', ...VERSION, PolicyArn: POLICY_ARN },
      { Action: 'GetPolicyVersion', ...VERSION, PolicyArn: POLICY_ARN, VersionId: 'v3' },
    ]);
  });

  it('reports a policy without a default version, or a version without a document, as an error', async () => {
    // Prepare
    const noDefault = scriptedQueryService(IAM, queryAnswer('GetPolicy', `<Policy><Arn>${POLICY_ARN}</Arn></Policy>`));
    const noDocument = scriptedQueryService(
      IAM,
      queryAnswer('GetPolicy', `<Policy><Arn>${POLICY_ARN}</Arn><DefaultVersionId>v1</DefaultVersionId></Policy>`),
      queryAnswer('GetPolicyVersion', '<PolicyVersion><VersionId>v1</VersionId></PolicyVersion>'),
    );

    // Act
    const reads = [await managedPolicyAdapter(noDefault.service).defaultVersion(POLICY_ARN), await managedPolicyAdapter(noDocument.service).defaultVersion(POLICY_ARN)];

    // Assess
    expect(reads).toEqual([{ error: 'GetPolicy returned no default version' }, { error: 'GetPolicyVersion v1 returned no document' }]);
  });

  it('reports a failed read as data, named by its error code, so the control can say "not evaluated"', async () => {
    // Prepare
    const { service } = scriptedQueryService(IAM, queryErrorAnswer(404, 'NoSuchEntity'));

    // Act
    const read = await managedPolicyAdapter(service).defaultVersion(POLICY_ARN);

    // Assess
    expect(read).toEqual({ error: 'NoSuchEntity: NoSuchEntity (scripted)' });
  });
});
