package io.aligntune.spark.data;

import java.io.Serializable;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A deterministic train/validation split of an indexed dataset: example {@code index} is held out for
 * validation when a hash of {@code (seed, index)}, read as a number in [0, 1), is below {@code fraction}.
 * A pure function of the index, so it needs no shuffle, no count and no state: every task, retry and later
 * run (the nightly refresh, a resumed job) puts each example on the same side, and the two sides are
 * disjoint and cover the dataset by construction. The held-out share is {@code fraction} in expectation
 * (binomial: about 100 ± 9.5 of 1,000 at 10%), not exactly.
 *
 * <p>The hash is SplitMix64's finalizer (Steele, Lea, Flood: "Fast splittable pseudorandom number
 * generators", OOPSLA 2014), which spreads consecutive indexes evenly; a plain {@code index % k} would
 * tie the split to the input order.
 *
 * @param fraction share held out, in [0, 1); 0 holds out nothing
 * @param seed chooses which examples; keep it fixed across runs that must agree
 */
public record HeldOutSplit(double fraction, long seed) implements Serializable {

  private static final double UNIT = 0x1.0p-53;

  public HeldOutSplit {
    if (!(fraction >= 0 && fraction < 1)) {
      throw new IllegalArgumentException("held-out fraction must be in [0, 1), got " + fraction);
    }
  }

  /** Whether example {@code index} belongs to the validation side. */
  public boolean isHeldOut(long index) {
    return uniform(seed, index) < fraction;
  }

  /** Rows (with a long {@code index} column) that are not held out. */
  public Dataset<Row> training(Dataset<Row> rows) {
    int column = rows.schema().fieldIndex("index");
    return rows.filter((FilterFunction<Row>) row -> !isHeldOut(row.getLong(column)));
  }

  /** Rows (with a long {@code index} column) that are held out. */
  public Dataset<Row> validation(Dataset<Row> rows) {
    int column = rows.schema().fieldIndex("index");
    return rows.filter((FilterFunction<Row>) row -> isHeldOut(row.getLong(column)));
  }

  /** A number in [0, 1) that is a pure, well-mixed function of (seed, index). */
  static double uniform(long seed, long index) {
    long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (z >>> 11) * UNIT;
  }
}
