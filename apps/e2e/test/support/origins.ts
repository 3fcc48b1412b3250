// Origin header values that must never be accepted by a sample on its default ALLOWED_ORIGINS.
import type { SampleProcess } from 'test-support/sample-process';

/** Foreign origins, including look-alikes that defeat prefix/suffix/substring matching. */
export function foreignOrigins(sample: SampleProcess): readonly string[] {
  const otherScheme = sample.origin.startsWith('https:') ? 'http' : 'https';
  return [
    'http://evil.example',
    'null',
    `${sample.origin}.evil.example`,
    `http://evil.example/${sample.origin}`,
    `${otherScheme}://127.0.0.1:${sample.port}`,
    `http://127.0.0.1:${sample.port + 1}`,
    'http://127.0.0.1',
  ];
}
