import { ConfigIssue } from '../model/config';

/**
 * A config file that cannot be used. Its message names the file, the JSON path and the rule:
 * `environments/eks.yaml: /api/replicas must be >= 2 (eks runs the API highly available)`.
 */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(issues.map((issue) => formatIssue(file, issue)).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  return `${file}: ${issue.path || '/'} ${issue.message} (${issue.rule})`;
}
