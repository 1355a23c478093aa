/**
 * RFC 3986 percent-encoding, as AWS wants it in paths, query strings, form bodies and the
 * canonical request it signs: every UTF-8 byte but the unreserved A-Z a-z 0-9 - _ . ~ as %XX
 * (upper-case hex); encodeURIComponent plus !'()*, as @smithy's extendedEncodeURIComponent.
 */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}
