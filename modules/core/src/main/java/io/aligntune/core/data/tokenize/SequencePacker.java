package io.aligntune.core.data.tokenize;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Packs tokenized SFT examples into fixed-length rows, so that short examples do not waste a whole padded
 * row each (see {@link PackedRow} for how the model must keep packed examples apart).
 *
 * <p>Next-fit, in input order: an example goes into the current row if it fits, else the row is closed
 * and a new one started. It streams (one row in memory, suited to Spark's {@code mapPartitions}) and keeps
 * the data order, so packing is deterministic for a given input order; first-fit-decreasing would fill
 * rows a little better but needs the whole partition in memory and reorders it. Examples are never split
 * across rows: a split example would lose either its BOS or its context.
 */
public final class SequencePacker implements Serializable {

  private final int rowLength;
  private final int padId;

  /**
   * @param rowLength tokens per row; examples longer than this are refused (tokenize with a
   *     {@link TruncationPolicy} whose max_length is at most this)
   * @param padId id written on padding positions (masked everywhere, so any valid id works)
   */
  public SequencePacker(int rowLength, int padId) {
    if (rowLength < 2) {
      throw new IllegalArgumentException("row_length must be at least 2, got " + rowLength);
    }
    this.rowLength = rowLength;
    this.padId = padId;
  }

  public List<PackedRow> pack(List<TokenizedSequence> examples) {
    List<PackedRow> rows = new ArrayList<>();
    pack(examples.iterator()).forEachRemaining(rows::add);
    return rows;
  }

  /** Lazily packs {@code examples}; each row is built when asked for. */
  public Iterator<PackedRow> pack(Iterator<TokenizedSequence> examples) {
    return new Iterator<>() {
      private TokenizedSequence carried;

      @Override
      public boolean hasNext() {
        return carried != null || examples.hasNext();
      }

      @Override
      public PackedRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        RowBuilder row = new RowBuilder();
        while (true) {
          TokenizedSequence example = carried != null ? carried : examples.hasNext() ? examples.next() : null;
          carried = null;
          if (example == null) {
            break;
          }
          if (example.length() > rowLength) {
            throw new IllegalArgumentException("an example of " + example.length() + " tokens does not fit a row of "
                + rowLength + "; truncate with max_length <= row_length before packing");
          }
          if (!row.fits(example)) {
            carried = example;
            break;
          }
          row.add(example);
        }
        return row.build();
      }
    };
  }

  private final class RowBuilder {
    private final int[] ids = new int[rowLength];
    private final boolean[] supervised = new boolean[rowLength];
    private final int[] segmentIds = new int[rowLength];
    private final int[] positionIds = new int[rowLength];
    private final List<Integer> starts = new ArrayList<>();
    private int used;

    RowBuilder() {
      Arrays.fill(ids, padId);
    }

    boolean fits(TokenizedSequence example) {
      return used + example.length() <= rowLength;
    }

    void add(TokenizedSequence example) {
      int segment = starts.size() + 1;
      starts.add(used);
      for (int t = 0; t < example.length(); t++) {
        ids[used + t] = example.id(t);
        supervised[used + t] = example.isSupervised(t);
        segmentIds[used + t] = segment;
        positionIds[used + t] = t;
      }
      used += example.length();
    }

    PackedRow build() {
      int[] exampleStarts = starts.stream().mapToInt(Integer::intValue).toArray();
      return new PackedRow(ids, supervised, segmentIds, positionIds, exampleStarts, used);
    }
  }
}
