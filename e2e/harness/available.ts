/**
 * Whether a suite's outside data or tool is here, given the "what to get" message when it is not:
 * under CI=true a missing one fails the run instead of skipping.
 */
export function availableOrSkip(missing: string | undefined): boolean {
  if (missing && process.env.CI === 'true') throw new Error(missing);
  if (missing) console.warn(`skipping: ${missing}`);
  return missing === undefined;
}
