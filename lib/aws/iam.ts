import type { ManagedPolicyPort, PrincipalKind } from '../controls/iam/types';
import { parsePolicyDocument } from '../iam/policy-document';
import type { IamGrantPort } from '../remediation/iam-grants';
import { isErrorNamed } from './errors';
import type { QueryService } from './wire/query-service';
import { child, listOf, textOf, type XmlElement } from './wire/xml';

/** IAM's "no such role, user, group or policy" (its wire code: lib/aws/wire names errors by the code AWS sends). */
export const isNoSuchEntity = (error: unknown) => isErrorNamed(error, 'NoSuchEntity');

/** IAM returns policy documents URL-encoded (RFC 3986), inside the XML as well as through the SDK. */
const decoded = (document: string) => parsePolicyDocument(decodeURIComponent(document));

/** IAM's page size limit; the SDK-based code asked for it too. */
const MAX_ITEMS = 100;

/** One page of an IAM list: its items, and the marker of the next page when IAM says the list is truncated. */
export interface IamPage<T> {
  readonly items: T[];
  readonly marker?: string;
}

/** The Marker to ask for next: IAM gives one only with `<IsTruncated>true</IsTruncated>`. */
export function nextMarker(result: XmlElement | undefined): string | undefined {
  return textOf(result, 'IsTruncated') === 'true' ? textOf(result, 'Marker') || undefined : undefined;
}

/** Every page of an IAM list call, following Marker while IsTruncated. */
export async function allIamPages<T>(page: (marker: string | undefined) => Promise<IamPage<T>>): Promise<T[]> {
  const found: T[] = [];
  let marker: string | undefined;
  do {
    const current = await page(marker);
    found.push(...current.items);
    marker = current.marker;
  } while (marker);
  return found;
}

// IAM has one API per kind of principal for each of these; the name member follows the kind.
const ACTION_NOUN: Readonly<Record<PrincipalKind, string>> = { role: 'Role', user: 'User', group: 'Group' };
const nameMember = (kind: PrincipalKind, name: string) => ({ [`${ACTION_NOUN[kind]}Name`]: name });

/** One page of the ARNs of the managed policies attached to a role, user or group. */
export async function listAttachedPolicies(iam: QueryService, kind: PrincipalKind, name: string, Marker?: string): Promise<IamPage<string>> {
  const result = await iam.call(`ListAttached${ACTION_NOUN[kind]}Policies`, { ...nameMember(kind, name), Marker, MaxItems: MAX_ITEMS });
  const arns = listOf(result, 'AttachedPolicies').flatMap((policy) => textOf(policy, 'PolicyArn') || []);
  return { items: arns, marker: nextMarker(result) };
}

/** One page of the names of a role's, user's or group's inline policies. */
export async function listInlinePolicyNames(iam: QueryService, kind: PrincipalKind, name: string, Marker?: string): Promise<IamPage<string>> {
  const result = await iam.call(`List${ACTION_NOUN[kind]}Policies`, { ...nameMember(kind, name), Marker, MaxItems: MAX_ITEMS });
  // <PolicyNames><member>name</member>...</PolicyNames>
  return { items: listOf(result, 'PolicyNames').map((member) => member.text), marker: nextMarker(result) };
}

/** An inline policy's document as IAM returns it (URL-encoded), or undefined when it has none. */
export async function getInlinePolicyDocument(iam: QueryService, kind: PrincipalKind, name: string, PolicyName: string): Promise<string | undefined> {
  const result = await iam.call(`Get${ACTION_NOUN[kind]}Policy`, { ...nameMember(kind, name), PolicyName });
  return textOf(result, 'PolicyDocument');
}

export function iamGrantAdapter(iam: QueryService): IamGrantPort {
  return {
    async isAttached(kind, name, policyArn) {
      let marker: string | undefined;
      do {
        const page = await listAttachedPolicies(iam, kind, name, marker);
        if (page.items.includes(policyArn)) return true;
        marker = page.marker;
      } while (marker);
      return false;
    },
    async inlinePolicy(kind, name, PolicyName) {
      try {
        const document = await getInlinePolicyDocument(iam, kind, name, PolicyName);
        return document ? decoded(document) : undefined;
      } catch (error) {
        if (isNoSuchEntity(error)) return undefined;
        throw error;
      }
    },
    async detach(kind, name, PolicyArn) {
      await iam.call(`Detach${ACTION_NOUN[kind]}Policy`, { ...nameMember(kind, name), PolicyArn });
    },
    async deleteInline(kind, name, PolicyName) {
      await iam.call(`Delete${ACTION_NOUN[kind]}Policy`, { ...nameMember(kind, name), PolicyName });
    },
  };
}

/** A customer managed policy's default version; a failed read is reported as data, so the control can say "not evaluated". */
export function managedPolicyAdapter(iam: QueryService): ManagedPolicyPort {
  return {
    iamActions: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
    async defaultVersion(PolicyArn) {
      try {
        const policy = child(await iam.call('GetPolicy', { PolicyArn }), 'Policy');
        const VersionId = textOf(policy, 'DefaultVersionId');
        if (!VersionId) return { error: 'GetPolicy returned no default version' };
        const version = child(await iam.call('GetPolicyVersion', { PolicyArn, VersionId }), 'PolicyVersion');
        const document = textOf(version, 'Document');
        if (!document) return { error: `GetPolicyVersion ${VersionId} returned no document` };
        return { document: decoded(document), versionId: VersionId };
      } catch (error) {
        return { error: `${(error as Error).name ?? 'Error'}: ${(error as Error).message}` };
      }
    },
  };
}
