import type { PolicyDocument } from '../../iam/policy-document';

/** Baseline kind of a KMS key: its policy and the settings the key controls guard. */
export const KMS_KEY_BASELINE = 'kms-key';

/** A KMS key as DescribeKey (+ GetKeyRotationStatus) shows it. */
export interface KmsKeyState {
  keyId: string;
  arn: string;
  /** Enabled, Disabled, PendingDeletion, PendingReplicaDeletion, PendingImport, Unavailable, ... */
  keyState: string;
  keySpec?: string;
  keyUsage?: string;
  /** AWS_KMS, EXTERNAL (imported material), AWS_CLOUDHSM, EXTERNAL_KEY_STORE. */
  origin?: string;
  /** CUSTOMER or AWS (AWS managed keys cannot be changed by anyone; they are never guarded). */
  keyManager?: string;
  customKeyStoreId?: string;
  /** Read only where rotation applies (KMS rejects the call otherwise). */
  rotationEnabled?: boolean;
}

/** The `kms-key` baseline definition (Baseline.resource is the key ARN). */
export interface KmsKeyDefinition extends KmsKeyState {
  policy?: PolicyDocument;
  /** Alias names (`alias/orders`) pointing at the key, resolved live when captured. */
  aliases: string[];
  /** ARNs of the buses, queues and topics encrypted with this key, resolved live when captured. */
  usedBy: string[];
}

export interface EnableKeyPlan {
  kind: 'enable-key';
  keyArn: string;
}

/** CancelKeyDeletion leaves the key Disabled: the plan re-enables it unless it was disabled before. */
export interface CancelKeyDeletionPlan {
  kind: 'cancel-key-deletion';
  keyArn: string;
  enableAfterCancel: boolean;
}

export interface RestoreKeyPolicyPlan {
  kind: 'restore-key-policy';
  keyArn: string;
  /** The baseline policy to put back; absent when there is none fit to restore (`noBaseline` says why). */
  policy?: PolicyDocument;
  noBaseline?: string;
  /** Whether the offending call bypassed the lockout safety check (the live policy cannot show it). */
  bypassedLockoutCheck: boolean;
}

export interface EnableKeyRotationPlan {
  kind: 'enable-key-rotation';
  keyArn: string;
}

export interface RevokeGrantPlan {
  kind: 'revoke-grant';
  keyArn: string;
  grantId: string;
  grantee: string;
}

export type KmsPlan = EnableKeyPlan | CancelKeyDeletionPlan | RestoreKeyPolicyPlan | EnableKeyRotationPlan | RevokeGrantPlan;

export type KmsLiveState =
  | { kind: 'kms-key'; keyArn: string; key: KmsKeyState | undefined }
  | { kind: 'kms-key-policy'; keyArn: string; policy: PolicyDocument | undefined }
  | { kind: 'kms-grant'; keyArn: string; grantId: string; exists: boolean };
