import type { AwsSecurityFinding, BatchImportFindingsRequest, BatchUpdateFindingsRequest, GetFindingsRequest } from '@aws-sdk/client-securityhub';
import { SECURITY_HUB_ACTIONS, SecurityHubImportError, type SecurityHubPort } from '../alerts/security-hub';
import type { RestJsonService } from './wire/json';

// What the adapter reads of each answer. ASFF timestamps are ISO strings in JSON and in the
// SDK's types alike, so a stored finding reads back as the AwsSecurityFinding it was imported as.
interface GetFindingsOutput {
  Findings?: AwsSecurityFinding[];
  NextToken?: string;
}
interface FailedItem {
  ErrorCode?: string;
  ErrorMessage?: string;
}
interface BatchImportFindingsOutput {
  FailedCount?: number;
  FailedFindings?: FailedItem[];
}
interface BatchUpdateFindingsOutput {
  UnprocessedFindings?: FailedItem[];
}

/**
 * Security Hub over the wire client (restJson1). The HTTP bindings are the SDK schema's:
 * GetFindings POST /findings, BatchImportFindings POST /findings/import, BatchUpdateFindings
 * PATCH /findings/batchupdate; every input member goes in the JSON body.
 */
export function securityHubAdapter(securityHub: RestJsonService): SecurityHubPort {
  return {
    iamActions: SECURITY_HUB_ACTIONS,
    async find(id) {
      let token: string | undefined;
      // The Id filter returns the one finding; the loop also copes with emulators that ignore filters.
      for (let page = 0; page < 20; page += 1) {
        const body: GetFindingsRequest = { Filters: { Id: [{ Value: id, Comparison: 'EQUALS' }] }, MaxResults: 100, NextToken: token };
        const out = await securityHub.call<GetFindingsOutput>('GetFindings', { method: 'POST', path: '/findings', body });
        const match = out.Findings?.find((f) => f.Id === id);
        if (match) return match;
        token = out.NextToken;
        if (!token) return undefined;
      }
      return undefined;
    },
    async import(finding) {
      const body: BatchImportFindingsRequest = { Findings: [finding] };
      const out = await securityHub.call<BatchImportFindingsOutput>('BatchImportFindings', { method: 'POST', path: '/findings/import', body });
      if ((out.FailedCount ?? 0) > 0) {
        const failed = out.FailedFindings?.[0];
        throw new SecurityHubImportError(`BatchImportFindings rejected ${finding.Id}: ${failed?.ErrorCode ?? ''} ${failed?.ErrorMessage ?? ''}`.trim());
      }
    },
    async resolve(id, productArn, note) {
      const body: BatchUpdateFindingsRequest = {
        FindingIdentifiers: [{ Id: id, ProductArn: productArn }],
        Workflow: { Status: 'RESOLVED' },
        Note: { Text: note, UpdatedBy: 'drift-responder' },
      };
      const out = await securityHub.call<BatchUpdateFindingsOutput>('BatchUpdateFindings', { method: 'PATCH', path: '/findings/batchupdate', body });
      if ((out.UnprocessedFindings?.length ?? 0) > 0) {
        const failed = out.UnprocessedFindings?.[0];
        throw new SecurityHubImportError(`BatchUpdateFindings did not resolve ${id}: ${failed?.ErrorCode ?? ''} ${failed?.ErrorMessage ?? ''}`.trim());
      }
    },
  };
}
