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
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { ManagedPolicyPort, PrincipalKind } from '../controls/iam/types';
import { parsePolicyDocument } from '../iam/policy-document';
import type { IamGrantPort } from '../remediation/iam-grants';

const isNoSuchEntity = (error: unknown) => (error as { name?: string } | undefined)?.name === 'NoSuchEntityException' || (error as { name?: string } | undefined)?.name === 'NoSuchEntity';

/** IAM returns policy documents URL-encoded (RFC 3986). */
const decoded = (document: string) => parsePolicyDocument(decodeURIComponent(document));

export function iamGrantAdapter(client: IAMClient): IamGrantPort {
  async function listAttached(kind: PrincipalKind, name: string, Marker?: string) {
    const input = { Marker, MaxItems: 100 };
    if (kind === 'role') return client.send(new ListAttachedRolePoliciesCommand({ ...input, RoleName: name }));
    if (kind === 'user') return client.send(new ListAttachedUserPoliciesCommand({ ...input, UserName: name }));
    return client.send(new ListAttachedGroupPoliciesCommand({ ...input, GroupName: name }));
  }
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
        const out =
          kind === 'role'
            ? await client.send(new GetRolePolicyCommand({ RoleName: name, PolicyName }))
            : kind === 'user'
              ? await client.send(new GetUserPolicyCommand({ UserName: name, PolicyName }))
              : await client.send(new GetGroupPolicyCommand({ GroupName: name, PolicyName }));
        return out.PolicyDocument ? decoded(out.PolicyDocument) : undefined;
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
