import type { PolicyStatement } from '../../iam/policy-document';
import { exposureOf, type TrustContext } from './statements';

const trust: TrustContext = { account: '123456789012', trustedAccounts: ['111122223333'], organizationId: 'o-a1b2c3d4e5' };
const base = { Effect: 'Allow', Action: 'events:PutEvents', Resource: 'arn:aws:events:us-east-1:123456789012:event-bus/default' };
const stmt = (extra: Partial<PolicyStatement>): PolicyStatement => ({ ...base, ...extra });

describe('exposureOf', () => {
  it.each<[string, PolicyStatement]>([
    ['Principal "*"', stmt({ Principal: '*' })],
    ['Principal {"AWS":"*"}', stmt({ Principal: { AWS: '*' } })],
    ['Principal {"AWS":["111122223333", "*"]}', stmt({ Principal: { AWS: ['111122223333', '*'] } })],
    ['an account wildcard in a principal ARN', stmt({ Principal: { AWS: 'arn:aws:iam::*:root' } })],
    ['NotPrincipal with Allow', stmt({ NotPrincipal: { AWS: 'arn:aws:iam::444455556666:root' } })],
    ['Effect written in lower case', stmt({ Effect: 'allow', Principal: '*' })],
    ['a StringNotEquals condition (allows everything else)', stmt({ Principal: '*', Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' } } })],
    ['a ...IfExists condition (absent key passes)', stmt({ Principal: '*', Condition: { StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } })],
    ['a ForAllValues condition (true when the key is absent)', stmt({ Principal: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } })],
    ['a StringLike org condition with a wildcard', stmt({ Principal: '*', Condition: { StringLike: { 'aws:PrincipalOrgID': 'o-*' } } })],
    ['a condition on an unrelated key', stmt({ Principal: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } })],
    ['a condition given as a JSON string with an unrelated key', stmt({ Principal: '*', Condition: '{"Bool":{"aws:SecureTransport":"true"}}' })],
  ])('is public for %s', (_label, statement) => {
    expect(exposureOf(statement, trust)).toEqual({ public: true, untrusted: [] });
  });

  it.each<[string, PolicyStatement]>([
    ['Principal "*" limited to the organization', stmt({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } })],
    ['a condition key in another case', stmt({ Principal: '*', Condition: { StringEquals: { 'AWS:principalorgid': 'o-a1b2c3d4e5' } } })],
    ['StringEqualsIgnoreCase on the org id', stmt({ Principal: '*', Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalOrgID': 'O-A1B2C3D4E5' } } })],
    ['an org path under the organization', stmt({ Principal: '*', Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*' } } })],
    ['aws:PrincipalAccount of a trusted account', stmt({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': ['111122223333', '123456789012'] } } })],
    ['aws:SourceAccount of the own account', stmt({ Principal: '*', Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } })],
    ['aws:PrincipalArn in a trusted account', stmt({ Principal: '*', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/*' } } })],
    ['two conditions where one restricts to trusted accounts', stmt({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '111122223333' }, StringLike: { 'aws:PrincipalOrgID': 'o-*' } } })],
    ['a trusted account', stmt({ Principal: { AWS: 'arn:aws:iam::111122223333:root' } })],
    ['the bus owner account as a bare id', stmt({ Principal: { AWS: '123456789012' } })],
    ['a role in a trusted account', stmt({ Principal: { AWS: ['arn:aws:iam::111122223333:role/publisher'] } })],
    ['a service principal', stmt({ Principal: { Service: 'events.amazonaws.com' } })],
    ['a Deny statement for everyone', stmt({ Effect: 'Deny', Principal: '*' })],
    ['an external account limited to the organization', stmt({ Principal: { AWS: '444455556666' }, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } })],
  ])('is compliant for %s', (_label, statement) => {
    expect(exposureOf(statement, trust)).toEqual({ public: false, untrusted: [] });
  });

  it.each<[string, PolicyStatement, string[]]>([
    ['an untrusted account id', stmt({ Principal: { AWS: '444455556666' } }), ['444455556666']],
    ['an untrusted account root ARN', stmt({ Principal: { AWS: 'arn:aws:iam::444455556666:root' } }), ['444455556666']],
    ['a trusted and an untrusted account', stmt({ Principal: { AWS: ['arn:aws:iam::111122223333:root', 'arn:aws:iam::444455556666:role/x'] } }), ['444455556666']],
    ['Principal "*" limited to another organization', stmt({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' } } }), ['o-zzzzzzzzzz']],
    ['Principal "*" limited to an untrusted account', stmt({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': ['111122223333', '444455556666'] } } }), ['444455556666']],
  ])('names the outsiders for %s', (_label, statement, outsiders) => {
    expect(exposureOf(statement, trust)).toEqual({ public: false, untrusted: outsiders });
  });

  it('treats an org condition as untrusted when the policy names no organization', () => {
    const statement = stmt({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } });
    expect(exposureOf(statement, { ...trust, organizationId: undefined })).toEqual({ public: false, untrusted: ['o-a1b2c3d4e5'] });
  });
});
