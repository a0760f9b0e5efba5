import * as tf from '@tensorflow/tfjs';

/**
 * The installed version of an npm package, read from its package.json, or undefined when it is
 * not installed. Optional packages (tfjs-node) are resolved the same way Node would require them.
 */
export function packageVersion(name: string): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return (require(`${name}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** tfjs' own versions (core, the umbrella package), always present. */
export function tfjsVersions(): Record<string, string> {
  const v: Record<string, string> = { 'tfjs-core': tf.version_core };
  const umbrella = (tf.version as Record<string, string>)['tfjs'];
  if (umbrella) v.tfjs = umbrella;
  return v;
}
