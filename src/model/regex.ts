/** A text as a literal inside a regular expression (Java's, RE2's and JavaScript's read it alike). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
