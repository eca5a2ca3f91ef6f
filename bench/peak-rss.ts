/**
 * Preloaded into every Node process a bench command starts (`NODE_OPTIONS=--require …`): on exit it
 * appends the process's peak resident set size (KiB) to $CDC8S_BENCH_RSS_FILE. Node cannot read a
 * finished child's resource usage, so each process reports its own; the bench takes the largest.
 */
import { appendFileSync } from 'node:fs';

const file = process.env.CDC8S_BENCH_RSS_FILE;
if (file) process.on('exit', () => appendFileSync(file, `${process.resourceUsage().maxRSS}\n`));
