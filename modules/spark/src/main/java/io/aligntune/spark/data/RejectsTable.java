package io.aligntune.spark.data;

import io.aligntune.core.data.Reject;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The rows of the {@code rejects} table (written with
 * {@link io.aligntune.spark.tables.WarehouseTables#write} under {@code WarehouseTables.REJECTS}): one per
 * quarantined record or pair, with where it is, which field is at fault, why (a stable
 * {@link io.aligntune.core.data.RejectReason#code()}), a readable detail, and the stage that rejected it.
 */
public final class RejectsTable {

  /**
   * {@code source_file} (URI), {@code line} (see {@link Reject} for its meaning per container),
   * {@code field} ({@code ""}: the whole record), {@code reason}, {@code detail}, {@code stage}
   * ({@link PreparationStage#code()}).
   */
  public static final StructType SCHEMA = new StructType()
      .add("source_file", DataTypes.StringType, false)
      .add("line", DataTypes.LongType, false)
      .add("field", DataTypes.StringType, false)
      .add("reason", DataTypes.StringType, false)
      .add("detail", DataTypes.StringType, false)
      .add("stage", DataTypes.StringType, false);

  private RejectsTable() {}

  static Row row(Reject reject, PreparationStage stage) {
    return RowFactory.create(reject.sourceFile(), reject.line(), reject.field(), reject.reason().code(),
        reject.detail(), stage.code());
  }
}
