import { sha256Hex } from './web-signature';

/**
 * The message as the same error would repeat it: numbers and ids vary between occurrences
 * (`user 123 not found`, `request 9f86d081…`), so they read as "#". Linear-time patterns only.
 */
export function normalizeMessage(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '#')
    .replace(/\b[0-9a-f]{8,}\b/gi, '#')
    .replace(/\d+/g, '#');
}

/** The first frame of a stack (V8's `    at f (file:1:2)`, Firefox's and Safari's `f@file:1:2`), trimmed. */
export function firstFrame(stack: string | undefined): string {
  if (!stack) return '';
  for (const line of stack.split('\n', 50).slice(1)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('at ') || trimmed.includes('@')) return trimmed.slice(0, 512);
  }
  return '';
}

/** 32 hex digits of SHA-256 over what makes two reports the same error. */
export async function errorFingerprint(parts: { surface: string; route: string; name: string; message: string; stack?: string }): Promise<string> {
  const key = JSON.stringify([parts.surface, parts.route, parts.name, normalizeMessage(parts.message), firstFrame(parts.stack)]);
  return (await sha256Hex(key)).slice(0, 32);
}
