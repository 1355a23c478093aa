/**
 * Property-based fuzzing of every control in lib/controls/registry.ts: changes for each of its
 * triggers (eventSource + eventName), built from real records of that API where the fixtures
 * have one, with requestParameters/responseElements/userIdentity mutated or replaced by
 * arbitrary values (odd unicode, policies as objects and strings, huge and deep documents).
 * Evaluated with the default policy, the repo's policy.yml, and a policy protecting '*'
 * everywhere in remediate mode: a control never throws (evaluation.failures is empty; its
 * baselineResources/managedPolicyArns never throw either) and every finding has the fields the
 * alert pipeline needs. Seed: FC_SEED=<n> (see ./arbitraries.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { Baseline, BaselineLookup } from '../../../lib/baseline/types';
import { NO_BASELINES } from '../../../lib/baseline/types';
import { EventParseError } from '../../../lib/events/errors';
import type { Change } from '../../../lib/events/change';
import { parseChange } from '../../../lib/events/parse';
import { evaluateChange } from '../../../lib/controls/evaluate';
import type { ManagedPolicyLookup, ManagedPolicyRead } from '../../../lib/controls/iam/types';
import { controlIds, controls } from '../../../lib/controls/registry';
import { SEVERITIES, type Control, type EvaluationContext, type Trigger } from '../../../lib/controls/types';
import { parsePolicyDocument, PolicyDocumentError } from '../../../lib/iam/policy-document';
import { parsePolicy } from '../../../lib/policy/load';
import type { Policy } from '../../../lib/policy/schema';
import { anyValue, deepPolicy, FIXTURE_KEYS, FIXTURE_NAMES, HUGE_STRING, hugePolicy, mutate, nested, nestedJson, mutation, ODD_STRINGS, oddString, policyDocument, recordOf, runs } from './arbitraries';

const ROOT = path.resolve(__dirname, '../../..');

const POLICIES: Record<string, Policy> = {
  default: parsePolicy('', 'default.yml', controlIds),
  'policy.yml': parsePolicy(readFileSync(path.join(ROOT, 'policy.yml'), 'utf8'), 'policy.yml', controlIds),
  "protect '*' everywhere, remediate": parsePolicy(
    [
      'trustedAccounts: ["111122223333"]',
      'organizationId: o-a1b2c3d4e5',
      'trustedPrincipals: ["arn:aws:iam::*:role/deployer"]',
      'allowedDestinations: ["hooks.example.com"]',
      'protect: { buses: ["*"], rules: ["*"], keys: ["*"], trails: ["*"], queues: ["*"], topics: ["*"] }',
      'requireBusCmk: true',
      'responder: { resources: ["*"], deployPrincipals: [] }',
      'defaults: { mode: remediate, dryRun: false }',
    ].join('\n'),
    'star.yml',
    controlIds,
  ),
};

/** Fixtures by eventSource/eventName, so a trigger starts from a real record of its API when there is one. */
const RECORDS = FIXTURE_NAMES.map((name) => ({ name, record: recordOf(name) }));
function basesFor(trigger: Trigger, eventName: string): string[] {
  const same = RECORDS.filter((r) => r.record.eventSource === trigger.eventSource && r.record.eventName === eventName);
  if (same.length > 0) return same.map((r) => r.name);
  const sameSource = RECORDS.filter((r) => r.record.eventSource === trigger.eventSource);
  return (sameSource.length > 0 ? sameSource : RECORDS).map((r) => r.name);
}

const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...FIXTURE_KEYS) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_STRINGS) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) });
const paramValue = fc.oneof({ weight: 5, arbitrary: anyValue }, { weight: 3, arbitrary: policyDocument }, { weight: 1, arbitrary: fc.array(fc.dictionary(key, anyValue, { maxKeys: 4 }), { maxLength: 3 }) });
/** requestParameters/responseElements: realistic keys with arbitrary values, nested a little. */
const params = fc.dictionary(key, fc.oneof({ weight: 4, arbitrary: paramValue }, { weight: 1, arbitrary: fc.dictionary(key, paramValue, { maxKeys: 4 }) }), { maxKeys: 8 });

/** Each section of the record: the real one (mutated below), generated from realistic keys, or any value at all. */
const KEEP = Symbol('keep the real section');
const section = fc.oneof({ weight: 2, arbitrary: fc.constant<typeof KEEP>(KEEP) }, { weight: 2, arbitrary: params }, { weight: 1, arbitrary: anyValue });

/** A change for one of the control's triggers. undefined when the parser rejected the generated record. */
function changeArbitrary(control: Control): fc.Arbitrary<Change | undefined> {
  const triggers = control.triggers.flatMap((t) => t.eventNames.map((eventName) => ({ trigger: t, eventName })));
  return fc
    .record({
      target: fc.constantFrom(...triggers),
      basePick: fc.nat(),
      request: section,
      response: section,
      mutations: fc.array(mutation, { minLength: 0, maxLength: 4 }),
      errorCode: fc.option(fc.oneof(fc.constantFrom('AccessDenied', 'Client.UnauthorizedOperation', 'AccessDeniedException'), oddString), { freq: 4 }),
      readOnly: fc.option(fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', 'TRUE')), { freq: 3 }),
    })
    .map((g) => {
      const bases = basesFor(g.target.trigger, g.target.eventName);
      const record = recordOf(bases[g.basePick % bases.length]!);
      record.eventSource = g.target.trigger.eventSource;
      record.eventName = g.target.eventName;
      if (g.request !== KEEP) record.requestParameters = g.request;
      if (g.response !== KEEP) record.responseElements = g.response;
      // Mutations land anywhere in the parts controls read: parameters, response, caller.
      const parts = mutate({ requestParameters: record.requestParameters, responseElements: record.responseElements, userIdentity: record.userIdentity }, g.mutations);
      Object.assign(record, parts);
      if (g.errorCode !== null) record.errorCode = g.errorCode;
      else delete record.errorCode;
      if (g.readOnly !== null) record.readOnly = g.readOnly;
      try {
        return parseChange(record);
      } catch (cause) {
        if (cause instanceof EventParseError) return undefined;
        throw cause;
      }
    });
}

/** Baselines for what the control asks for: none, or arbitrary definitions (an old or foreign shape). */
function baselinesFor(control: Control, change: Change, policy: Policy, definitions: readonly unknown[] | null): BaselineLookup {
  const wanted = control.baselineResources?.(change, policy) ?? [];
  for (const arn of wanted) expect(typeof arn).toBe('string');
  if (definitions === null || wanted.length === 0) return NO_BASELINES;
  return new Map(
    wanted.map((resource, i): [string, Baseline] => [resource, { resource, kind: 'fuzz', definition: definitions[i % Math.max(definitions.length, 1)], capturedAt: '2026-01-01T00:00:00Z', source: 'snapshot' }]),
  );
}

function managedPoliciesFor(control: Control, change: Change, policy: Policy, documents: readonly unknown[]): ManagedPolicyLookup | undefined {
  const arns = control.managedPolicyArns?.(change, policy);
  if (!arns) return undefined;
  return new Map(
    arns.map((arn, i): [string, ManagedPolicyRead] => {
      // As lib/aws/iam.ts reads it: parsePolicyDocument, or an error the control is told about.
      const doc = documents[i % Math.max(documents.length, 1)];
      try {
        return [arn, doc === undefined ? { error: 'AccessDenied' } : { document: parsePolicyDocument(doc), versionId: 'v1' }];
      } catch (cause) {
        if (cause instanceof PolicyDocumentError) return [arn, { error: cause.message }];
        throw cause;
      }
    }),
  );
}

/** The property: the control does not throw, and each finding is complete and serialisable. */
function assertEvaluates(control: Control, change: Change, context: EvaluationContext): void {
  const evaluation = evaluateChange(change, context, [control]);
  // The one typed failure a control may report: a policy document it cannot read at all (the
  // event then fails and is kept in the DLQ rather than judged on a guess; bus-policy controls.test.ts).
  const failure = evaluation.failures.find((f) => !(f.error instanceof PolicyDocumentError));
  if (failure) {
    failure.error.message = `${failure.control} threw: ${failure.error.message}`;
    throw failure.error;
  }
  for (const finding of evaluation.findings) {
    expect(finding.control).toBe(control.id);
    expect(SEVERITIES).toContain(finding.severity);
    expect(typeof finding.resource).toBe('string');
    expect(finding.resource.length).toBeGreaterThan(0);
    expect(typeof finding.title).toBe('string');
    expect(typeof finding.evidence?.summary).toBe('string');
    expect(() => JSON.stringify(finding)).not.toThrow();
  }
}

describe(`every control under fuzzing, with the policies: ${Object.keys(POLICIES).join('; ')}`, () => {
  it.each(controls.map((c) => [c.id, c] as const))('%s never throws and reports complete findings', (_id, control) => {
    fc.assert(
      fc.property(
        changeArbitrary(control),
        fc.option(fc.array(fc.oneof(anyValue, policyDocument), { minLength: 1, maxLength: 3 }), { freq: 2 }),
        fc.array(fc.oneof(policyDocument, fc.constant(undefined)), { minLength: 1, maxLength: 3 }),
        (change, definitions, documents) => {
          if (!change) return; // the parser rejected it (parse.fuzz.test.ts covers that)
          for (const policy of Object.values(POLICIES)) {
            const baselines = baselinesFor(control, change, policy, definitions);
            const managedPolicies = managedPoliciesFor(control, change, policy, documents);
            assertEvaluates(control, change, { policy, baselines, ...(managedPolicies ? { managedPolicies } : {}) });
          }
        },
      ),
      runs(100),
    );
  });
});

describe('every control with huge and deeply nested policy documents', () => {
  const policy = POLICIES["protect '*' everywhere, remediate"]!;
  /** Cheap to evaluate: tried on up to 6 trigger events of each control. */
  const deep: [string, unknown][] = [
    ['Statement nested 1000 deep (JSON string)', deepPolicy(1000, 'Statement', true)],
    ['Condition nested 1000 deep (JSON string)', deepPolicy(1000, 'Condition', true)],
    ['Principal nested 1000 deep (JSON string)', deepPolicy(1000, 'Principal', true)],
    ['Statement nested 150 deep (object)', deepPolicy(150, 'Statement', false)],
    ['Statement nested 100,000 deep (JSON string)', `{"Version":"2012-10-17","Statement":${nestedJson(100_000, 'array')}}`],
  ];
  /** Costly (seconds per control over every key): tried on one trigger event of each control. */
  const huge: [string, unknown][] = [
    ['10,000 statements (object), under the policy keys only', hugePolicy(10_000, false)],
    ['10,000 statements (JSON string), under the policy keys only', hugePolicy(10_000, true)],
    ['a 1 MB string', HUGE_STRING],
    ['a 1 MB string of wildcards', '*'.repeat(1_000_000)],
    ['a 1 MB ARN', `arn:aws:iam::999999999999:role/${HUGE_STRING}`],
  ];
  /** Keys controls read policies and documents from, besides those the real record has. */
  const POLICY_KEYS = ['policy', 'policyDocument', 'attributes'];

  /** Up to `n` of a control's trigger events, those with a real record first (controls with dozens of triggers treat them alike). */
  const someTriggers = (control: Control, n: number) =>
    control.triggers
      .flatMap((trigger) => trigger.eventNames.map((eventName) => ({ trigger, eventName, real: RECORDS.some((r) => r.record.eventSource === trigger.eventSource && r.record.eventName === eventName) })))
      .sort((a, b) => Number(b.real) - Number(a.real))
      .slice(0, n);

  function check(control: Control, trigger: Trigger, eventName: string, label: string, doc: unknown): void {
    // Prepare: the document under the policy keys and (unless too costly) as the value of every key the real record has.
    const base = recordOf(basesFor(trigger, eventName)[0]!);
    const request = { ...(base.requestParameters as object) } as Record<string, unknown>;
    const everywhere = !label.includes('policy keys only');
    for (const k of [...POLICY_KEYS, ...(everywhere ? Object.keys(request) : [])]) request[k] = doc;
    request.attributes = { Policy: doc, ...(everywhere ? { KmsMasterKeyId: doc, MessageRetentionPeriod: doc } : {}) };
    const record = { ...base, eventSource: trigger.eventSource, eventName, requestParameters: request, responseElements: { policy: doc } };
    let change: Change;
    try {
      change = parseChange(record);
    } catch (cause) {
      if (cause instanceof EventParseError) return;
      throw cause;
    }
    // Act + Assess
    try {
      assertEvaluates(control, change, { policy, baselines: baselinesFor(control, change, policy, [doc]), managedPolicies: managedPoliciesFor(control, change, policy, [doc]) });
    } catch (cause) {
      (cause as Error).message = `${eventName} with a policy of ${label}: ${(cause as Error).message}`;
      throw cause;
    }
  }

  it.each(controls.map((c) => [c.id, c] as const))('%s never throws on them, in any parameter', (_id, control) => {
    for (const { trigger, eventName } of someTriggers(control, 6)) for (const [label, doc] of deep) check(control, trigger, eventName, label, doc);
    for (const { trigger, eventName } of someTriggers(control, 1)) for (const [label, doc] of huge) check(control, trigger, eventName, label, doc);
  });
});

describe('every control with a hostile value in place of any field of any real record', () => {
  // Systematic where random runs are sparse: each field of each fixture's requestParameters and
  // responseElements (4 levels deep), replaced in turn by values that break naive code.
  const HOSTILE: [string, unknown][] = [
    ['an object whose toString is not a function', { toString: 'x' }],
    ['an array of such objects', [{ toString: 'x' }]],
    ['a number', 111122223333],
    ['null', null],
    ['a lone surrogate and a wildcard', '\uD800*'],
    ['an object nested 150 deep', nested(150, 'object')],
  ];

  function fieldPaths(value: unknown, prefix: (string | number)[], depth: number, out: (string | number)[][]): (string | number)[][] {
    if (depth > 4 || value === null || typeof value !== 'object') return out;
    for (const [k, child] of Object.entries(value)) {
      const p = [...prefix, Array.isArray(value) ? Number(k) : k];
      out.push(p);
      fieldPaths(child, p, depth + 1, out);
    }
    return out;
  }

  it.each(FIXTURE_NAMES)('%s', (name) => {
    const record = recordOf(name);
    const paths = [...fieldPaths(record.requestParameters, ['requestParameters'], 0, []), ...fieldPaths(record.responseElements, ['responseElements'], 0, [])];
    const policies = [POLICIES["protect '*' everywhere, remediate"]!, POLICIES.default!];
    for (const p of paths) {
      for (const [label, value] of HOSTILE) {
        // Prepare
        const copy = recordOf(name);
        const parent = p.slice(0, -1).reduce<any>((node, k) => node[k], copy);
        parent[p[p.length - 1]!] = value;
        let change: Change;
        try {
          change = parseChange(copy);
        } catch (cause) {
          if (cause instanceof EventParseError) continue;
          throw cause;
        }
        // Act + Assess
        for (const policy of policies) {
          for (const control of controls) {
            try {
              assertEvaluates(control, change, { policy, baselines: baselinesFor(control, change, policy, null) });
            } catch (cause) {
              (cause as Error).message = `${p.join('.')} = ${label}: ${(cause as Error).message}`;
              throw cause;
            }
          }
        }
      }
    }
  });
});
