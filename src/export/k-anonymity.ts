/**
 * Re-identification risk before release: k-anonymity (Sweeney 2002) over the quasi-identifiers actually
 * exported, one tuple per participant. An export whose smallest equivalence class is below the study's
 * threshold (k >= 5 by default) is refused, with the quasi-identifier whose suppression helps most.
 */
export const DEFAULT_K = 5;

export interface RiskReport {
  readonly quasiIdentifiers: readonly string[];
  readonly participants: number;
  readonly classes: number;
  /** The smallest equivalence class (participants when no quasi-identifier is exported). */
  readonly k: number;
  readonly threshold: number;
  /** Participants in classes smaller than the threshold. */
  readonly atRisk: number;
  readonly passed: boolean;
  /** When refused: suppress this quasi-identifier, and the k it would give. */
  readonly suggestion?: { readonly suppress: string; readonly k: number };
}

/** Collects one tuple per participant (first value seen per quasi-identifier), streaming. */
export class QuasiTuples {
  readonly #tuples = new Map<string, (string | null)[]>();
  constructor(readonly names: readonly string[]) {}

  note(participant: string, name: string, value: string | null): void {
    const index = this.names.indexOf(name);
    if (index < 0) return;
    let tuple = this.#tuples.get(participant);
    if (tuple === undefined) {
      tuple = this.names.map(() => null);
      this.#tuples.set(participant, tuple);
    }
    if (tuple[index] === null) tuple[index] = value;
  }

  /** A participant with no quasi value at all still counts (one tuple of nulls). */
  touch(participant: string): void {
    if (!this.#tuples.has(participant))
      this.#tuples.set(
        participant,
        this.names.map(() => null),
      );
  }

  tuples(): (string | null)[][] {
    return [...this.#tuples.values()];
  }
}

function classSizes(tuples: readonly (readonly (string | null)[])[], keep: readonly number[]): number[] {
  const counts = new Map<string, number>();
  for (const tuple of tuples) {
    const key = JSON.stringify(keep.map((i) => tuple[i] ?? null));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.values()];
}

export function assessRisk(
  names: readonly string[],
  tuples: readonly (readonly (string | null)[])[],
  threshold: number,
): RiskReport {
  const all = names.map((_, i) => i);
  const sizes = classSizes(tuples, all);
  const k = sizes.length === 0 ? 0 : Math.min(...sizes);
  const atRisk = sizes.filter((s) => s < threshold).reduce((a, b) => a + b, 0);
  // An empty export has nobody to re-identify.
  const passed = tuples.length === 0 || k >= threshold;
  const report: RiskReport = {
    quasiIdentifiers: names,
    participants: tuples.length,
    classes: sizes.length,
    k,
    threshold,
    atRisk,
    passed,
  };
  if (passed || names.length === 0) return report;
  // The smallest set of quasi-identifiers whose suppression reaches the threshold (one field, then
  // pairs, then triples), else the best single one: a hint a study team can act on (review, 2026-12-03).
  const kWithout = (drop: readonly number[]) =>
    Math.min(
      ...classSizes(
        tuples,
        all.filter((j) => !drop.includes(j)),
      ),
    );
  const combos = (size: number, from = 0): number[][] =>
    size === 0 ? [[]] : all.slice(from).flatMap((i) => combos(size - 1, i + 1).map((rest) => [i, ...rest]));
  let best: { suppress: string; k: number } | undefined;
  for (let size = 1; size <= Math.min(3, names.length); size++) {
    for (const drop of combos(size)) {
      const k2 = kWithout(drop);
      if (best === undefined || k2 > best.k) best = { suppress: drop.map((i) => names[i]).join(','), k: k2 };
    }
    if (best !== undefined && best.k >= threshold) break;
    if (size === 1 && names.length > 12) break;
  }
  return best === undefined ? report : { ...report, suggestion: best };
}
