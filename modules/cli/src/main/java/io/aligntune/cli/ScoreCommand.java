package io.aligntune.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aligntune.model.llama.LogProbs;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code aligntune score}: the log-probability a model gives each completion after its prompt.
 *
 * <p>Each JSONL record {@code {"prompt": ..., "completion": ...}} becomes the ids
 * [BOS] + encode(prompt) + encodeContinuation(completion). The two parts are tokenized separately and joined,
 * never as one concatenated text, so the completion's tokens are exactly those it has after any prompt
 * (a merge across the boundary would otherwise move tokens between the two). Only completion positions are
 * summed. Records are scored in batches (right-padded and masked by {@link LogProbs}, so a record's value
 * does not depend on its neighbours) and written in input order.
 *
 * <p>A line that cannot be scored goes to {@code OUT.rejects.jsonl} as {@code {"line", "field", "reason",
 * "detail"}}; reasons: {@code invalid_json}, {@code not_an_object}, {@code missing}, {@code not_a_string},
 * {@code empty}, {@code too_long} (more tokens than the model's context window: never truncated). Blank lines
 * are skipped and not counted. Both files are written to temporary names and renamed when complete.
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    header = "Score completions by their log-probability given the prompt.",
    description = "Writes the summed and mean log-probability of each completion given its prompt, one object per"
        + " input line.")
final class ScoreCommand implements Callable<Integer> {

  static final String PROMPT = "prompt";
  static final String COMPLETION = "completion";
  private static final String BYTE_ORDER_MARK = "\uFEFF";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(names = "--input", required = true, paramLabel = "FILE.jsonl",
      description = "One {\"prompt\": ..., \"completion\": ...} object per line (UTF-8).")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "OUT.jsonl",
      description = "Scores, one object per scored line, in input order. Rejected lines go beside it, to"
          + " the same name with .rejects.jsonl in place of .jsonl (the path is printed).")
  Path output;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8",
      description = "Records per forward pass. Default: ${DEFAULT-VALUE}.")
  int batchSize;

  /** What a non-blank input line turns into. */
  private sealed interface ParsedLine permits Pending, Rejected {}

  /** A record ready to score: its input line, texts and ids. */
  private record Pending(long line, String prompt, String completion, int[] ids, int completionStart)
      implements ParsedLine {}

  /** A line that cannot be scored, as its rejects-file object. */
  private record Rejected(ObjectNode json) implements ParsedLine {}

  @Override
  public Integer call() throws Exception {
    if (batchSize < 1) {
      throw new ParameterException(spec.commandLine(), "--batch-size must be >= 1, got " + batchSize);
    }
    if (!Files.isRegularFile(input)) {
      throw new NoSuchFileException(input.toString(), null, "no input file here");
    }
    Path rejectsPath = rejectsPath(output);
    if (sameFile(input, output) || sameFile(input, rejectsPath)) {
      throw new IllegalArgumentException(input + ": the input would be overwritten by the output; choose another --output");
    }
    long records = 0;
    long scored = 0;
    long rejected = 0;
    long blank = 0;
    long start = System.nanoTime();
    try (LoadedModel loaded = LoadedModel.open(modelOptions);
        BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8);
        StagedFile results = new StagedFile(output);
        StagedFile rejects = new StagedFile(rejectsPath)) {
      List<Pending> batch = new ArrayList<>();
      long lineNumber = 0;
      String line;
      while ((line = readLine(in, lineNumber + 1)) != null) {
        lineNumber++;
        if (lineNumber == 1 && line.startsWith(BYTE_ORDER_MARK)) {
          line = line.substring(1); // some editors start UTF-8 files with one
        }
        if (line.isBlank()) {
          blank++;
          continue;
        }
        records++;
        ParsedLine parsed = parse(line, lineNumber, loaded);
        if (parsed instanceof Pending pending) {
          batch.add(pending);
          if (batch.size() == batchSize) {
            scored += scoreBatch(loaded, batch, results);
          }
        } else if (parsed instanceof Rejected reject) {
          rejects.writeLine(JSON.writeValueAsString(reject.json()));
          rejected++;
        }
      }
      scored += scoreBatch(loaded, batch, results);
      results.commit();
      rejects.commit();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    spec.commandLine().getErr().println(String.format(Locale.ROOT,
        "%s: scored %d, rejected %d of %d lines (%d blank lines skipped) in %.2f s; scores in %s, rejects in %s",
        spec.qualifiedName(), scored, rejected, records, blank, seconds, output, rejectsPath));
    spec.commandLine().getErr().flush();
    return 0;
  }

  /** {@code out.jsonl} → {@code out.rejects.jsonl}; any other name gets {@code .rejects.jsonl} appended. */
  static Path rejectsPath(Path output) {
    String name = output.getFileName().toString();
    String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - ".jsonl".length()) : name;
    return output.resolveSibling(stem + ".rejects.jsonl");
  }

  private static boolean sameFile(Path a, Path b) throws IOException {
    return Files.exists(b) && Files.isSameFile(a, b);
  }

  private String readLine(BufferedReader in, long lineNumber) throws IOException {
    try {
      return in.readLine();
    } catch (CharacterCodingException e) {
      throw new IOException(input + ": line " + lineNumber + " is not valid UTF-8", e);
    }
  }

  /** A {@link Pending} record, or the {@link Rejected} object that says why the line cannot be scored. */
  private ParsedLine parse(String line, long lineNumber, LoadedModel loaded) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      return reject(lineNumber, null, "invalid_json", e.getOriginalMessage());
    }
    if (!node.isObject()) {
      return reject(lineNumber, null, "not_an_object", "expected a JSON object, got " + nodeType(node));
    }
    // an escape such as "\ud800" alone decodes to text that UTF-8 cannot encode: neither scorable nor writable
    io.aligntune.core.data.Reject unencodable = io.aligntune.core.data.StrictJson.unpairedSurrogate(node,
        input.toString(), lineNumber);
    if (unencodable != null) {
      return reject(lineNumber, unencodable.field(), "invalid_utf8", unencodable.detail());
    }
    String[] texts = new String[2];
    String[] fields = {PROMPT, COMPLETION};
    for (int i = 0; i < fields.length; i++) {
      JsonNode value = node.get(fields[i]);
      if (value == null) {
        return reject(lineNumber, fields[i], "missing", "no \"" + fields[i] + "\" field");
      }
      if (!value.isTextual()) {
        return reject(lineNumber, fields[i], "not_a_string", "expected a string, got " + nodeType(value));
      }
      if (value.textValue().isEmpty()) {
        return reject(lineNumber, fields[i], "empty", "\"" + fields[i] + "\" is an empty string");
      }
      texts[i] = value.textValue();
    }
    int[] prompt = loaded.withBos(loaded.tokenizer().encode(texts[0]));
    int[] completion = loaded.tokenizer().encodeContinuation(texts[1]);
    if (completion.length == 0) {
      return reject(lineNumber, COMPLETION, "empty", "the completion encodes to no tokens");
    }
    int length = prompt.length + completion.length;
    if (length > loaded.maxPositions()) {
      return reject(lineNumber, null, "too_long", "prompt + completion are " + length + " tokens (BOS included),"
          + " more than the model's context window (max_position_embeddings) of " + loaded.maxPositions());
    }
    int[] ids = new int[length];
    System.arraycopy(prompt, 0, ids, 0, prompt.length);
    System.arraycopy(completion, 0, ids, prompt.length, completion.length);
    return new Pending(lineNumber, texts[0], texts[1], ids, prompt.length);
  }

  private static Rejected reject(long line, String field, String reason, String detail) {
    ObjectNode node = JSON.createObjectNode();
    node.put("line", line);
    node.put("field", field);
    node.put("reason", reason);
    node.put("detail", detail);
    return new Rejected(node);
  }

  private static String nodeType(JsonNode node) {
    return node.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  /** Scores and writes {@code batch} (then empties it); returns how many records it held. */
  private static int scoreBatch(LoadedModel loaded, List<Pending> batch, StagedFile results) throws IOException {
    if (batch.isEmpty()) {
      return 0;
    }
    List<int[]> sequences = new ArrayList<>();
    int[] scoredFrom = new int[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      sequences.add(batch.get(i).ids());
      scoredFrom[i] = batch.get(i).completionStart();
    }
    float[] sums = LogProbs.score(loaded.model(), new LogProbs.Batch(sequences, scoredFrom));
    for (int i = 0; i < batch.size(); i++) {
      Pending p = batch.get(i);
      int tokens = p.ids().length - p.completionStart();
      ObjectNode node = JSON.createObjectNode();
      node.put("line", p.line());
      node.put(PROMPT, p.prompt());
      node.put(COMPLETION, p.completion());
      node.put("completion_tokens", tokens);
      node.put("logprob_sum", (double) sums[i]);
      node.put("logprob_mean", (double) sums[i] / tokens);
      results.writeLine(JSON.writeValueAsString(node));
    }
    int n = batch.size();
    batch.clear();
    return n;
  }

  /**
   * A text file written under a hidden temporary name beside its target and renamed over it by
   * {@link #commit}, so a failed run leaves no partial output; closing without committing deletes it.
   */
  private static final class StagedFile implements AutoCloseable {
    private final Path target;
    private final Path staging;
    private final BufferedWriter writer;
    private boolean committed;

    StagedFile(Path target) throws IOException {
      this.target = target.toAbsolutePath();
      Files.createDirectories(this.target.getParent());
      this.staging = this.target.resolveSibling("." + this.target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
      this.writer = Files.newBufferedWriter(staging, StandardCharsets.UTF_8);
    }

    void writeLine(String line) throws IOException {
      writer.write(line);
      writer.write('\n');
    }

    void commit() throws IOException {
      writer.close();
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(staging, target, StandardCopyOption.REPLACE_EXISTING);
      }
      committed = true;
    }

    @Override
    public void close() throws IOException {
      if (!committed) {
        writer.close();
        Files.deleteIfExists(staging);
      }
    }
  }
}
