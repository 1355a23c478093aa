import { rotationApplies } from '../controls/kms/keys';
import type { KmsKeyState } from '../controls/kms/types';
import { parsePolicyDocument } from '../iam/policy-document';
import type { KmsInventoryPort } from '../baseline/kms-keys';
import type { KmsKeysPort } from '../remediation/kms-keys';
import { isErrorNamed } from './errors';
import type { JsonService } from './wire/json';

// KMS's answers as this adapter reads them. Timestamps (KeyMetadata.CreationDate, DeletionDate,
// ValidTo; a grant's CreationDate) arrive as epoch seconds in JSON: none of them is read here.
interface DescribeKeyOutput {
  KeyMetadata?: {
    KeyId?: string;
    Arn?: string;
    Enabled?: boolean;
    KeyState?: string;
    KeySpec?: string;
    KeyUsage?: string;
    Origin?: string;
    KeyManager?: string;
    CustomKeyStoreId?: string;
  };
}
interface Page {
  Truncated?: boolean;
  NextMarker?: string;
}
interface ListKeysOutput extends Page {
  Keys?: Array<{ KeyId?: string; KeyArn?: string }>;
}
interface ListAliasesOutput extends Page {
  Aliases?: Array<{ AliasName?: string; TargetKeyId?: string }>;
}
interface ListGrantsOutput extends Page {
  Grants?: Array<{ GrantId?: string }>;
}

/**
 * The key id of a key ARN. KMS takes a key id or a key ARN for every call; for this
 * account's keys both name the same key. EnableKey and CancelKeyDeletion get the id:
 * moto 5.2.5 looks those two up by id only (an ARN makes it answer HTTP 500).
 */
function keyIdOf(keyArn: string): string {
  return keyArn.replace(/^arn:[^:]+:kms:[^:]+:[^:]+:key\//, '');
}

/** KMS's "no such key". */
export const isKeyNotFound = (error: unknown) => isErrorNamed(error, 'NotFoundException');

export function kmsAdapter(kms: JsonService): KmsKeysPort & KmsInventoryPort {
  return {
    async describeKey(keyArn) {
      let metadata;
      try {
        metadata = (await kms.call<DescribeKeyOutput>('DescribeKey', { KeyId: keyArn })).KeyMetadata;
      } catch (error) {
        if (isKeyNotFound(error)) return undefined;
        throw error;
      }
      if (!metadata?.KeyId || !metadata.Arn) return undefined;
      const key: KmsKeyState = {
        keyId: metadata.KeyId,
        arn: metadata.Arn,
        keyState: metadata.KeyState ?? (metadata.Enabled ? 'Enabled' : 'Disabled'),
        keySpec: metadata.KeySpec,
        keyUsage: metadata.KeyUsage,
        origin: metadata.Origin,
        keyManager: metadata.KeyManager,
        ...(metadata.CustomKeyStoreId ? { customKeyStoreId: metadata.CustomKeyStoreId } : {}),
      };
      // KMS rejects GetKeyRotationStatus for keys without rotation, and for keys pending deletion.
      if (rotationApplies(key) && !key.keyState.startsWith('Pending')) {
        key.rotationEnabled = (await kms.call<{ KeyRotationEnabled?: boolean }>('GetKeyRotationStatus', { KeyId: key.arn })).KeyRotationEnabled === true;
      }
      return key;
    },
    async enableKey(keyArn) {
      await kms.call('EnableKey', { KeyId: keyIdOf(keyArn) });
    },
    async cancelKeyDeletion(keyArn) {
      await kms.call('CancelKeyDeletion', { KeyId: keyIdOf(keyArn) });
    },
    async enableKeyRotation(keyArn) {
      await kms.call('EnableKeyRotation', { KeyId: keyArn });
    },
    async getKeyPolicy(keyArn) {
      const { Policy } = await kms.call<{ Policy?: string }>('GetKeyPolicy', { KeyId: keyArn, PolicyName: 'default' });
      return Policy ? parsePolicyDocument(Policy) : undefined;
    },
    async putKeyPolicy(keyArn, policy) {
      // Never bypass the lockout safety check: KMS refuses a policy the caller could not manage the key with.
      await kms.call('PutKeyPolicy', { KeyId: keyArn, PolicyName: 'default', Policy: JSON.stringify(policy), BypassPolicyLockoutSafetyCheck: false });
    },
    async grantExists(keyArn, grantId) {
      try {
        const { Grants = [] } = await kms.call<ListGrantsOutput>('ListGrants', { KeyId: keyArn, GrantId: grantId });
        return Grants.some((g) => g.GrantId === grantId);
      } catch (error) {
        if (isKeyNotFound(error)) return false;
        throw error;
      }
    },
    async revokeGrant(keyArn, grantId) {
      try {
        await kms.call('RevokeGrant', { KeyId: keyArn, GrantId: grantId });
      } catch (error) {
        if (!isKeyNotFound(error)) throw error; // already revoked or retired: the goal is reached
      }
    },
    async listKeyArns() {
      const arns: string[] = [];
      let Marker: string | undefined;
      do {
        const page = await kms.call<ListKeysOutput>('ListKeys', Marker ? { Marker } : {});
        arns.push(...(page.Keys ?? []).flatMap((k) => (k.KeyArn ? [k.KeyArn] : [])));
        Marker = page.Truncated ? page.NextMarker : undefined;
      } while (Marker);
      return arns;
    },
    async listAliases(keyArn) {
      const aliases: Array<{ name: string; targetKeyId: string }> = [];
      let Marker: string | undefined;
      do {
        const page = await kms.call<ListAliasesOutput>('ListAliases', { ...(Marker ? { Marker } : {}), ...(keyArn ? { KeyId: keyArn } : {}) });
        aliases.push(...(page.Aliases ?? []).flatMap((a) => (a.AliasName && a.TargetKeyId ? [{ name: a.AliasName, targetKeyId: a.TargetKeyId }] : [])));
        Marker = page.Truncated ? page.NextMarker : undefined;
      } while (Marker);
      return aliases;
    },
  };
}
