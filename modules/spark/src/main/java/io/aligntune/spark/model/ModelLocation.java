package io.aligntune.spark.model;

import io.aligntune.core.config.ModelSettings;
import io.aligntune.model.io.Llama2cCheckpointReader;
import io.aligntune.model.tokenizer.ByteTokenizer;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Resolves a config's {@code model:} section into what jobs ship to executors: the base model's
 * {@link ModelSource} and the tokenizer's location. The tokenizer defaults to the model's own (the
 * directory for Hugging Face, {@code tokenizer.bin} or the single {@code tok*.bin} beside a llama2.c file)
 * and to the built-in byte tokenizer for a random model.
 */
public record ModelLocation(ModelSource base, String tokenizer) {

  public static ModelLocation resolve(ModelSettings settings) throws IOException {
    if (settings.isRandom()) {
      return new ModelLocation(ModelSource.random(settings.init(), settings.initSeed()),
          settings.tokenizer() != null ? settings.tokenizer() : ByteTokenizer.NAME);
    }
    String uri = settings.path();
    ModelSource base = ModelSource.at(uri, HadoopFiles.contentHash(uri));
    if (settings.tokenizer() != null) {
      return new ModelLocation(base, settings.tokenizer());
    }
    FileSystem fs = HadoopFiles.fileSystem(uri);
    org.apache.hadoop.fs.Path p = HadoopFiles.path(uri);
    if (fs.getFileStatus(p).isDirectory()) {
      return new ModelLocation(base, uri);
    }
    org.apache.hadoop.fs.Path parent = p.getParent();
    org.apache.hadoop.fs.Path named = new org.apache.hadoop.fs.Path(parent, "tokenizer.bin");
    if (fs.exists(named)) {
      return new ModelLocation(base, named.toString());
    }
    FileStatus[] toks = fs.globStatus(new org.apache.hadoop.fs.Path(parent, "tok*.bin"));
    if (toks != null && toks.length == 1) {
      return new ModelLocation(base, toks[0].getPath().toString());
    }
    throw new IOException("no tokenizer found beside " + uri + " (looked for tokenizer.bin and a single tok*.bin); set model.tokenizer");
  }

  /** A local path for the tokenizer (a copy when it lives on a remote file system). */
  public static Path localTokenizer(String tokenizer) throws IOException {
    if (tokenizer.equals(ByteTokenizer.NAME)) {
      return Path.of(ByteTokenizer.NAME);
    }
    Path local = HadoopFiles.localCopy(tokenizer, HadoopFiles.isLocal(tokenizer) ? "local" : HadoopFiles.contentHash(tokenizer));
    if (!Files.exists(local)) {
      throw new IOException("tokenizer not found: " + tokenizer);
    }
    return local;
  }

  static boolean isLlama2c(Path p) {
    return Files.isRegularFile(p) && Llama2cCheckpointReader.isLlama2cCheckpoint(p);
  }
}
