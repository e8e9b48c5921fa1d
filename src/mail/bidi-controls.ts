/**
 * Unicode's bidirectional formatting characters: embeddings and overrides (U+202A–U+202E),
 * isolates (U+2066–U+2069) and the invisible marks (U+200E, U+200F, U+061C). In a display name
 * they reorder what follows — `Ada\u202Eelgoog@evil` shows as an address it is not — and in
 * a digest or page they can run on past the name into the address next to it. No name needs
 * them to be read, so they are removed wherever text from mail is shown.
 */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function withoutBidiControls(value: string): string {
  return value.replace(BIDI_CONTROLS, '');
}
