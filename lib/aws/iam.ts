import {
  DeleteGroupPolicyCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { ManagedPolicyPort, PrincipalKind } from '../controls/iam/types';
import { parsePolicyDocument } from '../iam/policy-document';
import type { IamGrantPort } from '../remediation/iam-grants';
import { isErrorNamed } from './errors';

const isNoSuchEntity = (error: unknown) => isErrorNamed(error, 'NoSuchEntityException', 'NoSuchEntity');

/** IAM returns policy documents URL-encoded (RFC 3986). */
const decoded = (document: string) => parsePolicyDocument(decodeURIComponent(document));

// IAM has one API per kind of principal for each of these; one function each picks it.

/** One page of the managed policies attached to a role, user or group. */
export function listAttachedPolicies(client: Pick<IAMClient, 'send'>, kind: PrincipalKind, name: string, Marker?: string) {
  const input = { Marker, MaxItems: 100 };
  if (kind === 'role') return client.send(new ListAttachedRolePoliciesCommand({ ...input, RoleName: name }));
  if (kind === 'user') return client.send(new ListAttachedUserPoliciesCommand({ ...input, UserName: name }));
  return client.send(new ListAttachedGroupPoliciesCommand({ ...input, GroupName: name }));
}

/** One page of the names of a role's, user's or group's inline policies. */
export function listInlinePolicyNames(client: Pick<IAMClient, 'send'>, kind: PrincipalKind, name: string, Marker?: string) {
  const input = { Marker, MaxItems: 100 };
  if (kind === 'role') return client.send(new ListRolePoliciesCommand({ ...input, RoleName: name }));
  if (kind === 'user') return client.send(new ListUserPoliciesCommand({ ...input, UserName: name }));
  return client.send(new ListGroupPoliciesCommand({ ...input, GroupName: name }));
}

/** An inline policy's document as IAM returns it (URL-encoded), or undefined when it has none. */
export async function getInlinePolicyDocument(client: Pick<IAMClient, 'send'>, kind: PrincipalKind, name: string, PolicyName: string): Promise<string | undefined> {
  if (kind === 'role') return (await client.send(new GetRolePolicyCommand({ RoleName: name, PolicyName }))).PolicyDocument;
  if (kind === 'user') return (await client.send(new GetUserPolicyCommand({ UserName: name, PolicyName }))).PolicyDocument;
  return (await client.send(new GetGroupPolicyCommand({ GroupName: name, PolicyName }))).PolicyDocument;
}

export function iamGrantAdapter(client: IAMClient): IamGrantPort {
  const listAttached = (kind: PrincipalKind, name: string, Marker?: string) => listAttachedPolicies(client, kind, name, Marker);
  return {
    async isAttached(kind, name, policyArn) {
      let Marker: string | undefined;
      do {
        const page = await listAttached(kind, name, Marker);
        if ((page.AttachedPolicies ?? []).some((p) => p.PolicyArn === policyArn)) return true;
        Marker = page.IsTruncated ? page.Marker : undefined;
      } while (Marker);
      return false;
    },
    async inlinePolicy(kind, name, PolicyName) {
      try {
        const document = await getInlinePolicyDocument(client, kind, name, PolicyName);
        return document ? decoded(document) : undefined;
      } catch (error) {
        if (isNoSuchEntity(error)) return undefined;
        throw error;
      }
    },
    async detach(kind, name, PolicyArn) {
      if (kind === 'role') await client.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn }));
      else if (kind === 'user') await client.send(new DetachUserPolicyCommand({ UserName: name, PolicyArn }));
      else await client.send(new DetachGroupPolicyCommand({ GroupName: name, PolicyArn }));
    },
    async deleteInline(kind, name, PolicyName) {
      if (kind === 'role') await client.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName }));
      else if (kind === 'user') await client.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName }));
      else await client.send(new DeleteGroupPolicyCommand({ GroupName: name, PolicyName }));
    },
  };
}

/** A customer managed policy's default version; a failed read is reported as data, so the control can say "not evaluated". */
export function managedPolicyAdapter(client: IAMClient): ManagedPolicyPort {
  return {
    iamActions: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
    async defaultVersion(PolicyArn) {
      try {
        const { Policy } = await client.send(new GetPolicyCommand({ PolicyArn }));
        const VersionId = Policy?.DefaultVersionId;
        if (!VersionId) return { error: 'GetPolicy returned no default version' };
        const { PolicyVersion } = await client.send(new GetPolicyVersionCommand({ PolicyArn, VersionId }));
        if (!PolicyVersion?.Document) return { error: `GetPolicyVersion ${VersionId} returned no document` };
        return { document: decoded(PolicyVersion.Document), versionId: VersionId };
      } catch (error) {
        return { error: `${(error as Error).name ?? 'Error'}: ${(error as Error).message}` };
      }
    },
  };
}
