import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
  RevokeGrantCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { rotationApplies } from '../controls/kms/keys';
import type { KmsKeyState } from '../controls/kms/types';
import { parsePolicyDocument } from '../iam/policy-document';
import type { KmsInventoryPort } from '../baseline/kms-keys';
import type { KmsKeysPort } from '../remediation/kms-keys';
import { isErrorNamed } from './errors';

/**
 * The key id of a key ARN. KMS takes a key id or a key ARN for every call; for this
 * account's keys both name the same key. EnableKey and CancelKeyDeletion get the id:
 * moto 5.2.5 looks those two up by id only (an ARN makes it answer HTTP 500).
 */
function keyIdOf(keyArn: string): string {
  return keyArn.replace(/^arn:[^:]+:kms:[^:]+:[^:]+:key\//, '');
}

const isNotFound = (error: unknown) => isErrorNamed(error, 'NotFoundException');

export function kmsAdapter(client: KMSClient): KmsKeysPort & KmsInventoryPort {
  return {
    async describeKey(keyArn) {
      let metadata;
      try {
        metadata = (await client.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata;
      } catch (error) {
        if (isNotFound(error)) return undefined;
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
        key.rotationEnabled = (await client.send(new GetKeyRotationStatusCommand({ KeyId: key.arn }))).KeyRotationEnabled === true;
      }
      return key;
    },
    async enableKey(keyArn) {
      await client.send(new EnableKeyCommand({ KeyId: keyIdOf(keyArn) }));
    },
    async cancelKeyDeletion(keyArn) {
      await client.send(new CancelKeyDeletionCommand({ KeyId: keyIdOf(keyArn) }));
    },
    async enableKeyRotation(keyArn) {
      await client.send(new EnableKeyRotationCommand({ KeyId: keyArn }));
    },
    async getKeyPolicy(keyArn) {
      const { Policy } = await client.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }));
      return Policy ? parsePolicyDocument(Policy) : undefined;
    },
    async putKeyPolicy(keyArn, policy) {
      // Never bypass the lockout safety check: KMS refuses a policy the caller could not manage the key with.
      await client.send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default', Policy: JSON.stringify(policy), BypassPolicyLockoutSafetyCheck: false }));
    },
    async grantExists(keyArn, grantId) {
      try {
        const { Grants = [] } = await client.send(new ListGrantsCommand({ KeyId: keyArn, GrantId: grantId }));
        return Grants.some((g) => g.GrantId === grantId);
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
    async revokeGrant(keyArn, grantId) {
      try {
        await client.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: grantId }));
      } catch (error) {
        if (!isNotFound(error)) throw error; // already revoked or retired: the goal is reached
      }
    },
    async listKeyArns() {
      const arns: string[] = [];
      let Marker: string | undefined;
      do {
        const page = await client.send(new ListKeysCommand({ Marker }));
        arns.push(...(page.Keys ?? []).flatMap((k) => (k.KeyArn ? [k.KeyArn] : [])));
        Marker = page.Truncated ? page.NextMarker : undefined;
      } while (Marker);
      return arns;
    },
    async listAliases(keyArn) {
      const aliases: Array<{ name: string; targetKeyId: string }> = [];
      let Marker: string | undefined;
      do {
        const page = await client.send(new ListAliasesCommand({ Marker, ...(keyArn ? { KeyId: keyArn } : {}) }));
        aliases.push(...(page.Aliases ?? []).flatMap((a) => (a.AliasName && a.TargetKeyId ? [{ name: a.AliasName, targetKeyId: a.TargetKeyId }] : [])));
        Marker = page.Truncated ? page.NextMarker : undefined;
      } while (Marker);
      return aliases;
    },
  };
}
