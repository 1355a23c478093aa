/**
 * Golden tests: what an on-call engineer reads, for every control in the registry. One
 * representative finding per control, from the real CloudTrail fixtures (a synthetic one when
 * no fixture raises it), rendered as the email text, the Slack Block Kit message and the chat
 * (Amazon Q Developer) custom notification. A new control gets its snapshots on the first run:
 * review them in lib/alerts/__snapshots__/golden.test.ts.snap (CI, with --ci, fails until they exist).
 */
import { controlIds, controls } from '../controls/registry';
import { parsePolicy } from '../policy/load';
import { cloneWith, fixture, fixtureNames, PUT_PERMISSION_LEGACY } from '../../test/support/fixtures';
import { representativeFinding } from '../../test/support/representative-findings';
import { chatNotificationOf } from './chat';
import { documentOf } from './document';
import { alertOf } from './format';
import { slackMessageOf } from './slack/blocks';

const base = parsePolicy('trustedAccounts: ["111122223333"]\norganizationId: o-a1b2c3d4e5\n', 'golden-policy.yml', controlIds);
/** Everything protected, nothing trusted beyond one account: every control that can fire, fires. */
const policy = { ...base, protect: Object.fromEntries(Object.keys(base.protect).map((k) => [k, ['*']])) as typeof base.protect };
/** The fixtures, and clones with one field changed for controls no recorded event raises as is. */
const records = [
  ...fixtureNames().map((name) => ({ name, record: fixture(name) })),
  { name: `${PUT_PERMISSION_LEGACY} with principal "*"`, record: cloneWith(PUT_PERMISSION_LEGACY, (r) => (r.requestParameters.principal = '*')) },
];

describe.each(controls.map((c) => [c.id, c] as const))('%s', (_id, control) => {
  const { finding, source } = representativeFinding(control, records, policy);
  const alert = alertOf(finding);
  const doc = documentOf(alert);

  it('has a representative finding', () => {
    expect({ control: finding.control, source }).toMatchSnapshot();
  });

  it('renders the email text', () => {
    expect(`Subject: ${alert.subject}\n\n${alert.message}`).toMatchSnapshot();
  });

  it('renders the Slack blocks', () => {
    expect(slackMessageOf(doc)).toMatchSnapshot();
  });

  it('renders the chat notification', () => {
    expect(chatNotificationOf(doc)).toMatchSnapshot();
  });
});
