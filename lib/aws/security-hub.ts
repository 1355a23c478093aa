import { BatchImportFindingsCommand, BatchUpdateFindingsCommand, GetFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SECURITY_HUB_ACTIONS, SecurityHubImportError, type SecurityHubPort } from '../alerts/security-hub';

/** The SDK adapter. */
export function securityHubAdapter(client: SecurityHubClient): SecurityHubPort {
  return {
    iamActions: SECURITY_HUB_ACTIONS,
    async find(id) {
      let token: string | undefined;
      // The Id filter returns the one finding; the loop also copes with emulators that ignore filters.
      for (let page = 0; page < 20; page += 1) {
        const out = await client.send(new GetFindingsCommand({ Filters: { Id: [{ Value: id, Comparison: 'EQUALS' }] }, MaxResults: 100, NextToken: token }));
        const match = out.Findings?.find((f) => f.Id === id);
        if (match) return match;
        token = out.NextToken;
        if (!token) return undefined;
      }
      return undefined;
    },
    async import(finding) {
      const out = await client.send(new BatchImportFindingsCommand({ Findings: [finding] }));
      if ((out.FailedCount ?? 0) > 0) {
        const failed = out.FailedFindings?.[0];
        throw new SecurityHubImportError(`BatchImportFindings rejected ${finding.Id}: ${failed?.ErrorCode ?? ''} ${failed?.ErrorMessage ?? ''}`.trim());
      }
    },
    async resolve(id, productArn, note) {
      const out = await client.send(
        new BatchUpdateFindingsCommand({
          FindingIdentifiers: [{ Id: id, ProductArn: productArn }],
          Workflow: { Status: 'RESOLVED' },
          Note: { Text: note, UpdatedBy: 'drift-responder' },
        }),
      );
      if ((out.UnprocessedFindings?.length ?? 0) > 0) {
        const failed = out.UnprocessedFindings?.[0];
        throw new SecurityHubImportError(`BatchUpdateFindings did not resolve ${id}: ${failed?.ErrorCode ?? ''} ${failed?.ErrorMessage ?? ''}`.trim());
      }
    },
  };
}
