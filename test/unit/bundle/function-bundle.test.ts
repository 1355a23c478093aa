/**
 * A real function bundle, built with serverless.yml's custom.esbuild options and the plugins it
 * names, carries the Lambda credential chain and not the SDK's default one: the substitution of
 * lib/aws/lambda-credentials.ts takes effect where it matters. The same build without that
 * plugin is the control: it shows the strings looked for are there when the substitution is not.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { functionBuildOptions, ROOT, scratchDir } from './build';

/** Marks of the profile/SSO providers the Lambda chain leaves out. */
const DROPPED = ['credential-provider-sso', 'fromSSO', 'fromIni'];
/** Marks of the Lambda chain: the variables it reads. */
const KEPT = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

describe('the slack-notifier bundle', () => {
  const scratch = scratchDir('function-bundle');
  afterAll(() => scratch.remove());

  /** Builds functions/slack-notifier.ts the way serverless-esbuild does, to a file, with the given plugins. */
  async function slackNotifier(name: string, keep: (plugin: string) => boolean): Promise<{ code: string; inputs: Metafile['inputs'] }> {
    const options = functionBuildOptions();
    const outfile = path.join(scratch.dir, name, 'slack-notifier.js');
    const result = await build({
      ...options,
      plugins: options.plugins.filter((plugin) => keep(plugin.name)),
      entryPoints: [path.join(ROOT, 'functions', 'slack-notifier.ts')],
      outfile,
      absWorkingDir: ROOT,
      metafile: true,
      logLevel: 'error',
    });
    return { code: readFileSync(outfile, 'utf8'), inputs: result.metafile.inputs };
  }

  it('is built with both plugins serverless.yml names', () => {
    // Assess: otherwise the next tests would test a build the deployment does not make.
    expect(functionBuildOptions().plugins.map((plugin) => plugin.name)).toEqual(['sdk-schema-literal-keys', 'lambda-credentials']);
  });

  it("carries the Lambda credential chain instead of the SDK's default chain", async () => {
    // Act
    const { code, inputs } = await slackNotifier('deployed', () => true);

    // Assess
    expect(Object.keys(inputs)).toContain('lib/aws/lambda-credentials.ts');
    expect(Object.keys(inputs).filter((input) => input.includes('credential-provider-node'))).toEqual([]);
    for (const dropped of DROPPED) expect(code).not.toContain(dropped);
    for (const kept of KEPT) expect(code).toContain(kept);
  });

  it("carries the SDK's default chain when the substitution is left out (the control)", async () => {
    // Act
    const { code, inputs } = await slackNotifier('control', (plugin) => plugin !== 'lambda-credentials');

    // Assess
    expect(Object.keys(inputs)).not.toContain('lib/aws/lambda-credentials.ts');
    for (const dropped of DROPPED) expect(code).toContain(dropped);
  });
});
