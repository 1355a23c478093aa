'use strict';
// Local Serverless plugin: the policy file the responder enforces.
//
// 1. Validates the selected policy file (custom.drift.policyFile: `--policy FILE`, or
//    `--param="policy=FILE"`, default policy.yml) with the same validation a function runs on a
//    policy it does not trust (lib/policy/load.ts, lib/policy/validate.ts), at the very start of `package` (and
//    `deploy function`): an invalid policy stops packaging with the PolicyFileError message, which
//    names the file and key.
// 2. Ships the validated policy as JSON, `policy.json`, at the root of the function zip, where
//    the handler's default path ($LAMBDA_TASK_ROOT/policy.json) finds it: the functions then carry
//    no YAML parser (smaller bundles, shorter cold starts). policyAsJson refuses a document whose
//    JSON form would validate to a different policy. The file is written into serverless-esbuild's
//    build folder before it zips (this plugin is listed first).
//    Its SHA-256 goes into every function's environment (DRIFT_POLICY_SHA256): a function whose
//    policy.json has that digest takes it without validating it again (lib/policy/shipped.ts).
// 3. Reads the zip back before the template is compiled and fails unless it holds policy.json
//    byte-identical to what was staged (guards against package.patterns overwriting it, or
//    serverless-esbuild internals changing).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { readZipEntry, recompressZip } = require('./zip-entry.cjs');

const SHIPPED_NAME = 'policy.json';

class DriftResponderPlugin {
  constructor(serverless, options, { log } = {}) {
    this.serverless = serverless;
    this.options = options;
    this.log = log ?? { notice: console.log, verbose: () => {} };

    serverless.configSchemaHandler?.defineCustomProperties({
      type: 'object',
      properties: {
        drift: {
          type: 'object',
          properties: { policyFile: { type: 'string', minLength: 1 } },
          required: ['policyFile'],
          additionalProperties: false,
        },
      },
      required: ['drift'],
    });

    // `--policy FILE` on the commands that package: a shorthand for --param="policy=FILE".
    const policyOption = {
      policy: {
        usage: 'Policy file the function enforces, validated and shipped as policy.yml (default: policy.yml)',
        type: 'string',
      },
    };
    this.commands = {
      package: { options: policyOption },
      deploy: { options: policyOption, commands: { function: { options: policyOption } } },
    };

    this.hooks = {
      // Earliest event of `package` (also run by `deploy`): fail before any work is done.
      'before:package:cleanup': () => this.validatePolicy(),
      'before:deploy:function:initialize': () => this.validatePolicy(),
      // Runs before serverless-esbuild's hook of the same name (plugin order), which bundles and zips.
      'before:package:createDeploymentArtifacts': () => this.stagePolicy(),
      'before:deploy:function:packageFunction': () => this.stagePolicy(),
      'after:package:createDeploymentArtifacts': () => this.removeZipStagingDirs(),
      'after:deploy:function:packageFunction': () => {
        this.removeZipStagingDirs();
        this.recompressArtifacts();
      },
      // The zip is final here (serverless-esbuild moved it to .serverless/); the code hash is computed next.
      'before:package:compileFunctions': () => {
        this.recompressArtifacts();
        this.verifyArtifacts();
      },
    };
  }

  /** Absolute path of the selected policy file (relative paths are relative to the service directory). */
  policyFile() {
    const configured = this.serverless.service.custom?.drift?.policyFile;
    if (!configured) throw new this.serverless.classes.Error('custom.drift.policyFile is not set in serverless.yml');
    return path.resolve(this.serverless.serviceDir, configured);
  }

  validatePolicy() {
    const file = this.policyFile();
    const { register } = require('tsx/cjs/api');
    const unregister = register();
    let policy;
    try {
      const { controlIds } = require('../lib/controls/registry.ts');
      const { policyAsJson, PolicyFileError } = require('../lib/policy/load.ts');
      const { readPolicyText } = require('../lib/policy/validate.ts');
      const { policyDigest } = require('../lib/policy/shipped.ts');
      try {
        // Read once: this text is what is validated, converted and shipped.
        const text = readPolicyText(file);
        this.policyText = text;
        this.shippedJson = Buffer.from(policyAsJson(text, file, controlIds), 'utf8');
        // policyAsJson ships the validated policy itself (and checked it validates to itself).
        policy = JSON.parse(this.shippedJson.toString('utf8'));
        this.shippedDigest = policyDigest(this.shippedJson.toString('utf8'));
      } catch (error) {
        if (error instanceof PolicyFileError || error?.name === 'PolicyFileError') {
          throw new this.serverless.classes.Error(
            `${error.message}\n(select the policy file with --policy FILE or --param="policy=FILE"; default policy.yml)`,
          );
        }
        throw error;
      }
    } finally {
      unregister();
    }
    if (this.policyText === undefined || fs.readFileSync(file, 'utf8') !== this.policyText) {
      throw new this.serverless.classes.Error(`policy file ${file} changed while it was being validated`);
    }
    // Every function's environment says which policy.json this package validated: a function whose
    // file has this digest takes it as it is, anything else it validates (lib/policy/shipped.ts).
    const provider = this.serverless.service.provider;
    provider.environment = { ...(provider.environment ?? {}), DRIFT_POLICY_SHA256: this.shippedDigest };
    const remediating = Object.entries(policy.controls ?? {})
      .filter(([, settings]) => settings.mode === 'remediate')
      .map(([id]) => id);
    const relative = path.relative(this.serverless.serviceDir, file);
    this.log.notice(
      `Policy ${relative.startsWith('..') || path.isAbsolute(relative) ? file : relative} is valid ` +
        `(defaults: mode ${policy.defaults.mode}, dryRun ${policy.defaults.dryRun}; ` +
        `remediate: ${remediating.length > 0 ? remediating.join(', ') : 'none'})`,
    );
  }

  esbuildBuildDir() {
    const esbuild = this.serverless.pluginManager.plugins.find(
      (plugin) => plugin.constructor?.name === 'EsbuildServerlessPlugin',
    );
    if (!esbuild?.buildDirPath) {
      throw new this.serverless.classes.Error(
        'drift-responder-plugin ships the policy file through serverless-esbuild, which is not loaded ' +
          '(or no longer exposes buildDirPath); list serverless-esbuild after this plugin',
      );
    }
    return esbuild.buildDirPath;
  }

  stagePolicy() {
    if (!this.shippedJson) this.validatePolicy();
    const buildDir = this.esbuildBuildDir();
    fs.mkdirSync(buildDir, { recursive: true });
    fs.writeFileSync(path.join(buildDir, SHIPPED_NAME), this.shippedJson);
    this.log.verbose(`drift-responder: staged ${this.policyFile()} as ${SHIPPED_NAME} in ${buildDir}`);
  }

  /**
   * serverless-esbuild 1.57 leaves the directory it stages each zip in behind, in the OS temp
   * directory (`<zip name>-<pid>-<ms>-<hex>`, a copy of the bundle; floydspace/serverless-esbuild#589).
   * Remove the ones this process created, and only those.
   */
  removeZipStagingDirs() {
    const { service } = this.serverless;
    const zipNames = new Set([service.service, ...service.getAllFunctions()]);
    const ours = new RegExp(`^(.+)-${process.pid}-\\d+-[0-9a-f]{8}$`);
    const tmp = os.tmpdir();
    for (const entry of fs.readdirSync(tmp)) {
      const match = ours.exec(entry);
      if (match && zipNames.has(match[1])) fs.rmSync(path.join(tmp, entry), { recursive: true, force: true });
    }
  }

  /** Each function's zip (package.individually), as an absolute path; throws for a function without one. */
  artifacts() {
    const { service } = this.serverless;
    const artifacts = new Set();
    for (const name of service.getAllFunctions()) {
      const fn = service.getFunction(name);
      const artifact = fn.package?.artifact ?? service.package?.artifact;
      if (!artifact) throw new this.serverless.classes.Error(`function ${name} has no packaged artifact`);
      artifacts.add(path.resolve(this.serverless.serviceDir, artifact));
    }
    return artifacts;
  }

  /** Deflate level 9 instead of serverless-esbuild's low level: smaller zips for Lambda to fetch at cold start (zip-entry.cjs). */
  recompressArtifacts() {
    for (const zip of this.artifacts()) {
      if (!fs.existsSync(zip)) continue; // `deploy function` packages one function; verifyArtifacts reports a missing zip
      const { before, after } = recompressZip(zip);
      this.log.verbose(`drift-responder: ${path.basename(zip)} recompressed, ${before} -> ${after} bytes`);
    }
  }

  verifyArtifacts() {
    for (const zip of this.artifacts()) {
      const shipped = readZipEntry(zip, SHIPPED_NAME);
      if (!shipped) {
        throw new this.serverless.classes.Error(`${zip} does not contain ${SHIPPED_NAME}: the function would fail at cold start`);
      }
      if (!shipped.equals(this.shippedJson)) {
        throw new this.serverless.classes.Error(
          `${SHIPPED_NAME} in ${zip} differs from the one written from the validated policy file ${this.policyFile()} ` +
            `(does package.patterns include another ${SHIPPED_NAME}?)`,
        );
      }
      this.log.verbose(`drift-responder: ${zip} ships ${SHIPPED_NAME} (${shipped.length} bytes), written from the validated ${this.policyFile()}`);
    }
  }
}

module.exports = DriftResponderPlugin;
