package io.aligntune.spark.resume;

import io.aligntune.core.config.AlignTuneConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Hash of what a phase's training depends on (its section of the config, the model section and the seed),
 * stored in checkpoints: a resumed run with different settings is refused, while edits elsewhere in the file
 * (comments, output paths, other phases) do not block resuming.
 */
public final class AlignTuneConfigHash {

  private AlignTuneConfigHash() {}

  /** @param section the phase's section of the config ({@code align}, {@code finetune}) */
  public static String of(AlignTuneConfig config, String section) {
    return sha256(String.valueOf(config.document() == null ? null : config.document().get(section))
        + "|" + config.document().get("model") + "|" + config.run().seed());
  }

  /** Hex SHA-256 of the UTF-8 bytes of {@code text}. */
  public static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
