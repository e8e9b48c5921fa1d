/**
 * A sum of floating-point numbers that does not depend on the order they are added in: the
 * correctly rounded value of their exact sum (Shewchuk's partials, as Python's `math.fsum`).
 * Inference sums weights per person; with a plain `+=` the last bit of a sum depends on the
 * order rows come out of Postgres, and an incremental recompute (which reads one person's
 * rows) could then differ from a full one (which reads them all) in the fourth decimal of a
 * rounded strength. With this, the same interactions always give the same bits.
 */
export class ExactSum {
  /** Non-overlapping partial sums, smallest magnitude first. */
  readonly #partials: number[] = [];

  add(value: number): void {
    let x = value;
    let kept = 0;
    const partials = this.#partials;
    for (let i = 0; i < partials.length; i++) {
      let y = partials[i]!;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[kept++] = lo;
      x = hi;
    }
    partials.length = kept;
    partials.push(x);
  }

  get value(): number {
    const partials = this.#partials;
    let n = partials.length;
    if (n === 0) return 0;
    let hi = partials[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = partials[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half-even correctly when the remaining partials push the tie one way.
    if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}
