package io.aligntune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.model.llama.TextGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real stories260K checkpoint at temperature 0 reproduces llama2.c's reference outputs exactly
 * (shared/data/SOURCES.md, "Reference outputs"): text and token ids.
 */
class StoriesGoldenTest {

  static final String BOS_ONLY_TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said, \"Lily, let's go to the park.\" Lily was sad and didn't know what to do. She said, \"I want to play with your ball, but I can't find it.\"\nLily was sad and didn't know what to do. She said, \"I'm sorry, Lily. I didn't know what to do.\"\nLily didn't want to help her mom, so she";
  static final String BOS_ONLY_IDS = "403 407 261 378 432 383 286 261 376 298 315 421 395 317 426 338 401 396 267 337 410 408 419 292 411 322 265 282 295 433 426 385 328 432 358 394 261 370 432 352 266 268 388 426 338 391 266 267 337 335 312 432 398 312 286 267 414 270 333 415 426 13 438 310 439 419 357 336 432 313 438 310 432 278 316 439 419 298 414 267 265 282 295 433 426 436 317 286 296 418 269 279 292 416 439 413 409 416 327 263 415 294 267 400 426 338 336 432 313 442 391 267 337 335 364 420 268 388 432 398 359 280 303 439 413 272 417 264 312 426 436 13 438 310 286 296 418 269 279 292 416 439 413 409 416 327 263 415 294 267 400 426 338 336 432 313 442 439 423 262 304 420 422 432 317 426 359 279 292 416 439 413 409 416 327 263 415 294 267 400 426 436 13 438 310 279 292 416 439 413 391 267 281 421 427 311 357 432 384 358";
  static final String ONCE_UPON_TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily";

  static ModelBundle bundle;
  static NDManager manager;
  static LlamaModel model;

  @BeforeAll
  static void load() throws Exception {
    Path bin = Paths.get(System.getProperty("aligntune.shared.data", "../shared/data"), "models/stories260K/stories260K.bin");
    Assumptions.assumeTrue(Files.exists(bin), "real model absent: " + bin + " (set -Daligntune.shared.data)");
    bundle = ModelBundle.open(bin, null);
    manager = NDManager.newBaseManager();
    model = LlamaModel.create(manager, bundle.weights().config(), bundle.weights().tensors());
  }

  @AfterAll
  static void close() {
    if (manager != null) {
      model.close();
      manager.close();
    }
  }

  @Test
  void bosOnlyGreedyFor200PositionsMatchesLlama2c() {
    int[] generated = TextGenerator.generate(model, List.of(new int[] {1}),
        TextGenerator.Options.greedy(200, bundle.stopIds())).get(0);
    int[] expected = Arrays.stream(BOS_ONLY_IDS.split(" ")).mapToInt(Integer::parseInt).toArray();
    assertArrayEquals(expected, generated);
    int[] withBos = new int[generated.length + 1];
    withBos[0] = 1;
    System.arraycopy(generated, 0, withBos, 1, generated.length);
    assertEquals(BOS_ONLY_TEXT, bundle.tokenizer().decode(withBos));
  }

  @Test
  void onceUponATimeGreedyMatchesLlama2c() {
    int[] prompt = prependBos(bundle.tokenizer().encode("Once upon a time"));
    assertArrayEquals(new int[] {1, 403, 407, 261, 378}, prompt);
    // run.c's -n 64 counts positions including the prompt's: 64 - 4 forced prompt steps = 60 new tokens
    int[] generated = TextGenerator.generate(model, List.of(prompt), TextGenerator.Options.greedy(60, bundle.stopIds())).get(0);
    int[] all = Arrays.copyOf(prompt, prompt.length + generated.length);
    System.arraycopy(generated, 0, all, prompt.length, generated.length);
    assertEquals(ONCE_UPON_TEXT, bundle.tokenizer().decode(all));
  }

  static int[] prependBos(int[] ids) {
    int[] out = new int[ids.length + 1];
    out[0] = 1;
    System.arraycopy(ids, 0, out, 1, ids.length);
    return out;
  }
}
