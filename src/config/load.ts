import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { cachedValidator, newAjv, standaloneModule } from '../compiled/ajv';
import { sharedCodeCache } from '../compiled/code-cache';
import { SHARED_OUTPUT_DIRS } from '../model/paths';
import { ConfigError } from './errors';
import { crossFieldIssues } from './rules';
import schema from '../model/environment.schema.json';
import { ConfigIssue, Environment, EnvironmentConfig, PLATFORM_NAMES } from '../model/config';

/** Environment files are small; anything bigger is a mistake (or an attack on the parser). */
export const MAX_CONFIG_BYTES = 256 * 1024;

let compiled: ValidateFunction | undefined;

/**
 * The schema validator: generated when the schema or this file changed, from the code cache
 * otherwise (compiling the schema costs more than loading every environment).
 */
function validator(): ValidateFunction {
  compiled ??= cachedValidator(sharedCodeCache(), ['environment-config', JSON.stringify(schema), readFileSync(__filename)], () => {
    // verbose: errors carry their parentSchema, where toIssue() finds x-rule and the known fields.
    const ajv = newAjv({ allErrors: false, useDefaults: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
    ajv.addVocabulary(['x-rule', 'x-default-by-platform']);
    return standaloneModule(ajv, ajv.compile(schema));
  }) as ValidateFunction;
  return compiled;
}

/**
 * Reads, parses and validates one environment file. Throws ConfigError naming the file, the JSON
 * path and the rule; never returns a config that breaks the schema or a cross-field rule. The
 * platform's own rules come next, in platforms/resolve.ts.
 */
export function loadEnvironment(file: string): Environment {
  const name = basename(file, extname(file));
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 40) {
    throw new ConfigError(file, [
      {
        path: '',
        message: `file name '${name}' is not a valid environment name`,
        rule: 'the file name becomes the dist/<env> directory and a label value: lower-case letters, digits and -, at most 40',
      },
    ]);
  }
  if (SHARED_OUTPUT_DIRS.includes(name)) {
    throw new ConfigError(file, [
      {
        path: '',
        message: `file name '${name}' is reserved`,
        rule: `dist/${name}/ holds every environment's ${name} output; an environment of that name would replace it (reserved: ${SHARED_OUTPUT_DIRS.join(', ')})`,
      },
    ]);
  }
  const config = validateConfig(file, parseConfigFile(file));
  return { name, file, config };
}

/** Validates parsed YAML against the schema (filling defaults) and the cross-field rules. */
export function validateConfig(file: string, data: unknown): EnvironmentConfig {
  const validate = validator();
  // The platform's own section gets its schema defaults even when the file leaves it out.
  if (isRecord(data) && PLATFORM_NAMES.some((name) => name === data.platform)) {
    data[data.platform as string] ??= {};
  }
  if (!validate(data)) {
    throw new ConfigError(file, [firstIssue(validate.errors?.[0], data)]);
  }
  const config = data as EnvironmentConfig;
  applyPlatformDefaults(config);
  const issues = crossFieldIssues(config);
  if (issues.length > 0) throw new ConfigError(file, issues);
  return config;
}

/**
 * Defaults that depend on the platform, read from the schema's `x-default-by-platform` (so every
 * default still lives in the schema): production clusters get dedicated KRaft controllers, which
 * can never be switched later, and metrics and alerts; a laptop saves the nodes and needs no
 * Prometheus Operator.
 */
function applyPlatformDefaults(config: EnvironmentConfig): void {
  const byPlatform = <T>(property: { 'x-default-by-platform': unknown }) => (property['x-default-by-platform'] as Record<string, T>)[config.platform];
  const controllers = config.kafka.controllers as { mode?: 'dual-role' | 'dedicated' };
  controllers.mode ??= byPlatform(schema.properties.kafka.properties.controllers.properties.mode);
  const observability = config.observability as { enabled?: boolean };
  observability.enabled ??= byPlatform(schema.properties.observability.properties.enabled);
}

/** Safe YAML: core schema only (no tags that build objects), unique keys, no aliases, bounded size. */
function parseConfigFile(file: string): unknown {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new ConfigError(file, [{ path: '', message: 'cannot be read', rule: 'the environment file must exist' }]);
  }
  if (size > MAX_CONFIG_BYTES) {
    throw new ConfigError(file, [{ path: '', message: `is ${size} bytes`, rule: `environment files are at most ${MAX_CONFIG_BYTES} bytes` }]);
  }
  const doc = parseDocument(readFileSync(file, 'utf8'), { schema: 'core', uniqueKeys: true, merge: false, prettyErrors: true });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    // With prettyErrors the message's first line already ends in "at line L, column C:".
    const what = problem.message.split('\n')[0].replace(/:$/, '');
    throw new ConfigError(file, [{ path: '', message: `is not valid YAML: ${what}`, rule: 'YAML 1.2 core schema, unique keys, no custom tags' }]);
  }
  try {
    // maxAliasCount: 0 rejects aliases (billion laughs) outright; an environment file has no use for them.
    return doc.toJS({ maxAliasCount: 0 });
  } catch (error) {
    throw new ConfigError(file, [{ path: '', message: `cannot be read as data: ${(error as Error).message}`, rule: 'YAML anchors and aliases are not allowed' }]);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The issue to report. A misspelled key (`captrue:`) fails as its correct one missing, because
 * the schema checks `required` first: then the unknown key beside it is the cause to name.
 */
function firstIssue(error: ErrorObject | undefined, data: unknown): ConfigIssue {
  if (!error) return { path: '', message: 'is invalid', rule: 'the environment schema' };
  if (error.keyword === 'required') {
    const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
    const object = valueAt(data, error.instancePath);
    const unknown = isRecord(object) ? Object.keys(object).find((key) => !(key in (parent?.properties ?? {}))) : undefined;
    if (unknown !== undefined) {
      return toIssue({ ...error, keyword: 'additionalProperties', params: { additionalProperty: unknown } });
    }
  }
  return toIssue(error);
}

/** The value at a JSON pointer (Ajv's instancePath). */
function valueAt(data: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((value, key) => (isRecord(value) || Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined), data);
}

function toIssue(error: ErrorObject): ConfigIssue {
  const parent = error.parentSchema as { 'x-rule'?: string; properties?: Record<string, unknown> } | undefined;
  const schemaRule = parent?.['x-rule'];
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return { path: `${error.instancePath}/${missing}`, message: 'is required', rule: schemaRule ?? 'required field' };
    }
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(parent?.properties ?? {});
      const hint = closest(extra, known);
      return {
        path: `${error.instancePath}/${extra}`,
        message: hint ? `is not a known field (did you mean '${hint}'?)` : 'is not a known field',
        rule: `unknown keys are rejected; allowed: ${known.join(', ')}`,
      };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      return { path: error.instancePath, message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`, rule: schemaRule ?? 'allowed values' };
    }
    case 'type': {
      const expected = String((error.params as { type: string | string[] }).type).split(',');
      const wanted = expected.length > 1 ? `a ${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}` : /^[aeiou]/.test(expected[0]) ? `an ${expected[0]}` : `a ${expected[0]}`;
      // YAML reads `cpu: 2` as a number; the quoted form is the fix.
      const quoted = expected.includes('string') && typeof error.data === 'number' ? `: quote it, "${error.data}"` : '';
      return { path: error.instancePath, message: `must be ${wanted}, got ${JSON.stringify(error.data)}${quoted}`, rule: schemaRule ?? `type ${expected.join(' or ')}` };
    }
    case 'pattern':
      return {
        path: error.instancePath,
        message: `must be ${schemaRule ?? `matching ${(error.params as { pattern: string }).pattern}`}, got ${JSON.stringify(error.data)}`,
        rule: `pattern ${(error.params as { pattern: string }).pattern}`,
      };
    default:
      return { path: error.instancePath, message: error.message ?? 'is invalid', rule: schemaRule ?? `schema keyword '${error.keyword}'` };
  }
}

/** The known field closest to a typo, if it is close enough to be a likely intent. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
