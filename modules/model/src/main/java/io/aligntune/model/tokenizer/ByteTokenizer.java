package io.aligntune.model.tokenizer;

import io.aligntune.core.text.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One token per UTF-8 byte (ids 3..258), plus 0 = unknown/pad, 1 = BOS, 2 = EOS: the same id layout as
 * llama2.c's byte-fallback tokens. It needs no vocabulary file, so the quickstart's random model works on
 * a fresh machine; real models bring their own tokenizer. Round-trips any text exactly.
 */
public final class ByteTokenizer implements Tokenizer {

  public static final int VOCAB_SIZE = 259;
  public static final String NAME = "builtin:bytes";

  @Override
  public int[] encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int[] ids = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      ids[i] = (bytes[i] & 0xFF) + 3;
    }
    return ids;
  }

  @Override
  public String decode(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length);
    for (int id : ids) {
      if (id >= 3 && id < VOCAB_SIZE) {
        out.write(id - 3);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Override
  public int bosId() {
    return 1;
  }

  @Override
  public int eosId() {
    return 2;
  }

  @Override
  public int vocabSize() {
    return VOCAB_SIZE;
  }
}
