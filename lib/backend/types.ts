/** What initBackend reports, and `anime-gan info` prints. */
export interface BackendInfo {
  /** The candidate in use: 'tfjs-node-gpu', 'tfjs-node', 'native', 'wasm' or 'cpu'. */
  name: string;
  /** Threads the backend computes with (1 for the single-threaded ones). */
  threads: number;
  /** Package versions: tfjs and each backend package that is present. */
  versions: Record<string, string>;
  /** Candidates tried before this one, and why each was passed over. */
  skipped: { name: string; reason: string }[];
}

/** Why a candidate cannot be used here; `null` means it can. */
export type Unavailable = string | null;

/**
 * One way to run tfjs here. Candidates are tried from the highest `rank` down; the first whose
 * `probe` returns null and whose `activate` succeeds wins.
 */
export interface BackendCandidate {
  /** The name users force with --backend or ANIME_GAN_BACKEND. */
  name: string;
  /** Higher is tried first; see BACKEND_RANKS for the built-in order and the native slot. */
  rank: number;
  /** One-line description for `anime-gan info`. */
  description: string;
  /** Cheap check (a package present, a binary built); the reason in a few words, or null. */
  probe(): Promise<Unavailable>;
  /** Register with tfjs if needed, make it the active backend, and report its threads. */
  activate(): Promise<{ threads: number }>;
  /** Versions of the packages this candidate brings (only those installed). */
  versions(): Record<string, string>;
}
