import { ConfigError } from '../config/errors';
import { loadEnvironment, validateConfig } from '../config/load';
import { Environment } from '../model/config';
import { Durability, effectiveDurability } from '../model/durability';
import { platformFor } from './index';
import { Platform } from './platform';

/**
 * An environment ready to render: its validated config, the platform it runs on and the
 * replication every Kafka object uses. Made once, here; charts read it and never recompute it.
 */
export interface ResolvedEnvironment extends Environment {
  readonly platform: Platform;
  /** The level's floor, raised by the user's kafka.config (effectiveDurability). */
  readonly durability: Durability;
}

/** Loads an environment file, then checks it against its platform and settles its durability. */
export function resolveEnvironment(file: string): ResolvedEnvironment {
  return resolve(loadEnvironment(file));
}

/** The same for config data that is already in memory (tests, the bench, the e2e harness). */
export function resolveConfig(name: string, file: string, data: unknown): ResolvedEnvironment {
  return resolve({ name, file, config: validateConfig(file, data) });
}

function resolve(env: Environment): ResolvedEnvironment {
  const platform = platformFor(env.config);
  const issues = platform.check();
  if (issues.length > 0) throw new ConfigError(env.file, issues);
  return { ...env, platform, durability: effectiveDurability(env.config.kafka) };
}
