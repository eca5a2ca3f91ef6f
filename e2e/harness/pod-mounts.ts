import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Wrap } from './jvm';

/** A pod volume: a directory of this machine at the container's mountPath. */
export interface PodMount {
  readonly source: string;
  readonly target: string;
}

/**
 * Gives each top directory (`/etc`) an overlay whose upper layer holds the mount points, binds each
 * volume read-only at its mountPath, then runs the command: the host's files stay untouched and the
 * command reads exactly the rendered paths. Arguments: scratch, tops, `--`, source/target pairs, `--`, command.
 */
const MOUNT_SCRIPT = [
  'set -e',
  'scratch=$1; shift',
  'while [ "$1" != -- ]; do',
  '  mount -t overlay overlay -o "lowerdir=$1,upperdir=$scratch$1/upper,workdir=$scratch$1/work" "$1"',
  '  shift',
  'done',
  'shift',
  'while [ "$1" != -- ]; do',
  '  mount --bind "$1" "$2"',
  '  mount -o remount,bind,ro "$2"',
  '  shift 2',
  'done',
  'shift',
  'exec "$@"',
].join('\n');

/**
 * Runs a host process (a JVM) with a pod's volumes at their rendered mountPaths, in a mount
 * namespace of its own (`unshare`; the process keeps its pid through each exec).
 */
export function withPodMounts(dir: string, mounts: readonly PodMount[]): Wrap {
  const scratch = mkdtempSync(join(dir, 'mounts-'));
  const tops = [...new Set(mounts.map((m) => `/${m.target.split('/')[1]}`))];
  for (const top of tops) mkdirSync(join(scratch, top, 'work'), { recursive: true });
  for (const mount of mounts) mkdirSync(join(scratch, `/${mount.target.split('/')[1]}`, 'upper', ...mount.target.split('/').slice(2)), { recursive: true });
  const pairs = mounts.flatMap((m) => [m.source, m.target]);
  return (command, args) => ({
    command: 'unshare',
    args: ['--mount', '--propagation', 'private', '/bin/sh', '-c', MOUNT_SCRIPT, 'cdc8s-pod-mounts', scratch, ...tops, '--', ...pairs, '--', command, ...args],
  });
}
