package io.aligntune.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.model.LoraConfig;
import io.aligntune.core.tensor.HostTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Llama-family decoder (Llama 2/3, TinyLlama, SmolLM, Mistral without sliding window) on DJL's PyTorch
 * engine, read top to bottom in {@link #forward}: token embedding → N × [RMSNorm → grouped-query attention
 * with rotary positions → residual → RMSNorm → SwiGLU MLP → residual] → RMSNorm → output head.
 *
 * <p>Weights are held under their Hugging Face names in float32. Optional LoRA adapters wrap chosen
 * projections; switching them off gives the base model back without a second copy, which is how DPO gets
 * its reference model. Dropout (attention probabilities and residual branches) applies only to forward
 * passes made with {@code training = true}; log-prob passes never use it.
 *
 * <p>Not thread-safe: one forward at a time per instance (the executor holder serialises tasks anyway,
 * because DJL allows one gradient collector per JVM).
 */
public final class LlamaModel implements AutoCloseable {

  /** Added to masked attention scores; finite so a fully masked (padding) row cannot produce NaN. */
  private static final float MASKED = -1e30f;

  private final LlamaConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> weights;
  private final RotaryEmbedding rotary;
  private LoraAdapters lora;
  private boolean adaptersEnabled = true;
  private boolean merged;
  private boolean fullFineTuning;
  private float attentionDropout;
  private float residualDropout;

  private LlamaModel(LlamaConfig config, NDManager manager, Map<String, NDArray> weights) {
    this.config = config;
    this.manager = manager;
    this.weights = weights;
    this.rotary = new RotaryEmbedding(manager, config.headDim(), config.maxPositionEmbeddings(), config.ropeTheta());
  }

  /**
   * Builds a model from host weights in Hugging Face names. Every tensor the config implies must be present
   * with its exact shape; extra tensors (e.g. {@code rotary_emb.inv_freq}) are ignored.
   */
  public static LlamaModel create(NDManager parent, LlamaConfig config, Map<String, HostTensor> tensors) {
    NDManager manager = parent.newSubManager();
    Map<String, NDArray> weights = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, long[]> e : LlamaWeightNames.expectedShapes(config).entrySet()) {
        HostTensor t = tensors.get(e.getKey());
        if (t == null) {
          throw new IllegalArgumentException("missing weight '" + e.getKey() + "'");
        }
        if (!java.util.Arrays.equals(t.shape(), e.getValue())) {
          throw new IllegalArgumentException("weight '" + e.getKey() + "' has shape " + t.shapeString()
              + " but the config implies " + java.util.Arrays.toString(e.getValue()));
        }
        weights.put(e.getKey(), manager.create(t.data(), new Shape(t.shape())));
      }
      return new LlamaModel(config, manager, weights);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** A randomly initialised model (normal(0, 0.02) matrices, unit norms), deterministic in {@code seed}. */
  public static LlamaModel random(NDManager parent, LlamaConfig config, long seed) {
    return create(parent, config, LlamaWeightNames.randomWeights(config, seed));
  }

  public LlamaConfig config() {
    return config;
  }

  public NDManager manager() {
    return manager;
  }

  // ---------------------------------------------------------------------------------------------------
  // Forward pass

  /**
   * Logits [B, T, vocab] in float32 for token ids [B, T] (int64).
   *
   * @param attentionMask [B, S] with 1 for real tokens and 0 for padding, where S = cached + T; null = all 1
   * @param positionIds [B, T] rotary positions; null = cached .. cached+T-1 for every row
   * @param cache keys/values of earlier positions, extended in place; null = no cache
   * @param training applies dropout when true
   * @return logits owned by {@code inputIds}' manager
   */
  public NDArray forward(NDArray inputIds, NDArray attentionMask, NDArray positionIds, KvCache cache, boolean training) {
    NDManager caller = inputIds.getManager();
    long batch = inputIds.getShape().get(0);
    long steps = inputIds.getShape().get(1);
    long past = cache == null ? 0 : cache.length();
    if (past + steps > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("sequence of " + (past + steps) + " positions exceeds max_position_embeddings "
          + config.maxPositionEmbeddings());
    }
    try (NDManager scratch = caller.newSubManager()) {
      NDArray positions = positionIds != null ? positionIds
          : scratch.arange((int) past, (int) (past + steps)).toType(DataType.INT64, false).reshape(1, steps).repeat(0, batch);
      NDArray mask = attentionBias(scratch, attentionMask, batch, steps, past);
      return decode(inputIds, positions, mask, cache, training, scratch);
    }
  }

  /**
   * Logits [B, T, vocab] for packed rows: each row holds several independent examples laid end to end.
   * Position i attends to j only if j &le; i and both carry the same non-zero segment id (a block-diagonal
   * causal mask), and rotary positions restart at 0 with each segment, so every example gets the logits it
   * would get alone. Segment 0 marks padding, which attends to nothing (its logits are finite and
   * meaningless). Segments must be contiguous runs; each run is one example.
   *
   * @param segmentIds [B, T] integer segment ids, 0 on padding
   * @param positionIds [B, T] rotary positions; null = derived from {@code segmentIds} (0, 1, ... within
   *     each run, 0 on padding)
   * @param training applies dropout when true
   * @return logits owned by {@code inputIds}' manager
   */
  public NDArray forwardPacked(NDArray inputIds, NDArray segmentIds, NDArray positionIds, boolean training) {
    long batch = inputIds.getShape().get(0);
    long steps = inputIds.getShape().get(1);
    if (!segmentIds.getShape().equals(inputIds.getShape())) {
      throw new IllegalArgumentException("segment ids have shape " + segmentIds.getShape() + ", ids have "
          + inputIds.getShape());
    }
    if (steps > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("row of " + steps + " positions exceeds max_position_embeddings "
          + config.maxPositionEmbeddings());
    }
    try (NDManager scratch = inputIds.getManager().newSubManager()) {
      NDArray segments = segmentIds.toType(DataType.INT64, true);
      segments.attach(scratch);
      NDArray positions = positionIds;
      if (positions == null) {
        long[] derived = segmentPositions(segments.toLongArray(), (int) steps);
        positions = scratch.create(derived, new Shape(batch, steps)).duplicate();
      }
      return decode(inputIds, positions, segmentBias(scratch, segments, batch, steps), null, training, scratch);
    }
  }

  /**
   * Rotary positions of packed rows: within each row of {@code steps} tokens, 0, 1, ... along a run of one
   * segment id, restarting where the id changes; 0 on padding (segment 0).
   */
  public static long[] segmentPositions(long[] segmentIds, int steps) {
    long[] positions = new long[segmentIds.length];
    for (int i = 0; i < segmentIds.length; i++) {
      boolean continues = i % steps != 0 && segmentIds[i] == segmentIds[i - 1];
      positions[i] = segmentIds[i] == 0 ? 0 : continues ? positions[i - 1] + 1 : 0;
    }
    return positions;
  }

  /** The decoder body shared by both forwards: embeddings → layers → norm → head. */
  private NDArray decode(NDArray inputIds, NDArray positions, NDArray mask, KvCache cache, boolean training,
      NDManager scratch) {
    NDManager caller = inputIds.getManager();
    NDArray ids = inputIds.duplicate();
    ids.attach(scratch);
    NDArray[] cosSin = rotary.lookup(positions, scratch);
    NDArray h = ids.getNDArrayInternal().embedding(ids, weights.get("model.embed_tokens.weight"), SparseFormat.DENSE)
        .singletonOrThrow();
    for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
      String p = "model.layers." + layer + ".";
      NDArray attn = attention(layer, rmsNorm(h, weights.get(p + "input_layernorm.weight")), cosSin, mask, cache, training);
      h = h.add(dropout(attn, residualDropout, training));
      NDArray mlp = mlp(layer, rmsNorm(h, weights.get(p + "post_attention_layernorm.weight")), training);
      h = h.add(dropout(mlp, residualDropout, training));
    }
    h = rmsNorm(h, weights.get("model.norm.weight"));
    NDArray head = weights.get(config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
    NDArray logits = linearNoAdapter(h, head);
    logits.attach(caller);
    return logits;
  }

  /**
   * Block-diagonal causal bias [B, 1, T, T]: 0 where key j &le; query i and both are in the same non-zero
   * segment, {@link #MASKED} elsewhere. Built from the segment ids alone; nothing here needs a gradient.
   */
  private static NDArray segmentBias(NDManager scratch, NDArray segments, long batch, long steps) {
    NDArray index = scratch.arange(0, (int) steps, 1, DataType.INT64);
    NDArray causal = index.reshape(1, 1, steps, 1).gte(index.reshape(1, 1, 1, steps));
    NDArray same = segments.reshape(batch, 1, steps, 1).eq(segments.reshape(batch, 1, 1, steps));
    NDArray realKey = segments.reshape(batch, 1, 1, steps).neq(0);
    NDArray keep = same.logicalAnd(realKey).logicalAnd(causal);
    return keep.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED);
  }

  /** Causal + padding bias [B or 1, 1, T, S] added to attention scores. */
  private NDArray attentionBias(NDManager scratch, NDArray attentionMask, long batch, long steps, long past) {
    long total = past + steps;
    float[] causal = new float[Math.toIntExact(steps * total)];
    for (int i = 0; i < steps; i++) {
      for (long j = past + i + 1; j < total; j++) {
        causal[(int) (i * total + j)] = MASKED;
      }
    }
    NDArray bias = scratch.create(causal, new Shape(1, 1, steps, total));
    if (attentionMask != null) {
      if (attentionMask.getShape().get(1) != total) {
        throw new IllegalArgumentException("attention mask covers " + attentionMask.getShape().get(1)
            + " positions, expected cached + new = " + total);
      }
      NDArray keep = attentionMask.toType(DataType.FLOAT32, true);
      keep.attach(scratch);
      bias = bias.add(keep.neg().add(1f).mul(MASKED).reshape(batch, 1, 1, total));
    }
    return bias;
  }

  private NDArray attention(int layer, NDArray x, NDArray[] cosSin, NDArray mask, KvCache cache, boolean training) {
    String p = "model.layers." + layer + ".self_attn.";
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int d = config.headDim();
    NDArray q = linear(x, p + "q_proj", training).reshape(b, t, heads, d).transpose(0, 2, 1, 3);
    NDArray k = linear(x, p + "k_proj", training).reshape(b, t, kvHeads, d).transpose(0, 2, 1, 3);
    NDArray v = linear(x, p + "v_proj", training).reshape(b, t, kvHeads, d).transpose(0, 2, 1, 3);
    q = RotaryEmbedding.apply(q, cosSin[0], cosSin[1]);
    k = RotaryEmbedding.apply(k, cosSin[0], cosSin[1]);
    if (cache != null) {
      NDArray[] kv = cache.append(layer, k, v);
      k = kv[0];
      v = kv[1];
    }
    NDManager scratch = x.getManager();
    if (kvHeads != heads) {
      // grouped-query attention: query head h reads kv head h / (heads / kvHeads)
      k = k.repeat(1, heads / kvHeads);
      v = v.repeat(1, heads / kvHeads);
      // new arrays made from cached ones belong to the cache's manager: move them to this step's scratch
      k.attach(scratch);
      v.attach(scratch);
    }
    NDArray keysT = k.transpose(0, 1, 3, 2);
    keysT.attach(scratch);
    NDArray scores = q.matMul(keysT).div(scalar(scratch, (float) Math.sqrt(d))).add(mask);
    NDArray probs = dropout(scores.softmax(-1), attentionDropout, training);
    NDArray out = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * d);
    return linear(out, p + "o_proj", training);
  }

  private NDArray mlp(int layer, NDArray x, boolean training) {
    String p = "model.layers." + layer + ".mlp.";
    NDArray gate = linear(x, p + "gate_proj", training);
    NDArray up = linear(x, p + "up_proj", training);
    NDArray hidden = gate.mul(Activation.sigmoid(gate)).mul(up); // SiLU(gate) · up
    return linear(hidden, p + "down_proj", training);
  }

  private NDArray rmsNorm(NDArray x, NDArray weight) {
    NDArray rms = x.square().mean(new int[] {-1}, true).add((float) config.rmsNormEps()).sqrt();
    return x.div(rms).mul(weight);
  }

  private static NDArray dropout(NDArray x, float rate, boolean training) {
    if (!training || rate <= 0f) {
      return x;
    }
    return x.getNDArrayInternal().dropout(x, rate, true).singletonOrThrow();
  }

  /** x·Wᵀ for module {@code path} (a weight named path + ".weight"), plus its LoRA update when active. */
  private NDArray linear(NDArray x, String path, boolean training) {
    NDArray y = linearNoAdapter(x, weights.get(path + ".weight"));
    if (lora != null && adaptersEnabled && !merged && lora.wraps(path)) {
      NDArray in = dropout(x, (float) lora.config.dropout(), training);
      NDArray down = linearNoAdapter(in, lora.a.get(path));
      NDArray update = linearNoAdapter(down, lora.b.get(path)).mul(scalar(x.getManager(), (float) lora.config.scale()));
      y = y.add(update);
    }
    return y;
  }

  /**
   * A float32 scalar in libtorch-owned memory, for products whose backward pass needs it. DJL's
   * {@code mul(Number)} / {@code div(Number)} wrap the number in a tensor over a Java direct buffer
   * (torch::from_blob) and close it at once; autograd keeps that tensor for the backward pass, and a GC
   * between forward and backward frees the buffer, so the gradient reads freed memory.
   */
  private static NDArray scalar(NDManager manager, float value) {
    return manager.full(new Shape(), value, DataType.FLOAT32);
  }

  private static NDArray linearNoAdapter(NDArray x, NDArray weight) {
    return x.getNDArrayInternal().linear(x, weight, null).singletonOrThrow();
  }

  // ---------------------------------------------------------------------------------------------------
  // Adapters and trainable parameters

  /** Adds fresh LoRA adapters (B = 0, so the model's function is unchanged until trained). */
  public void addLora(LoraConfig loraConfig, long seed) {
    if (lora != null) {
      throw new IllegalStateException("this model already has LoRA adapters");
    }
    lora = new LoraAdapters(manager, config, loraConfig, seed);
  }

  public boolean hasLora() {
    return lora != null;
  }

  public LoraConfig loraConfig() {
    return lora == null ? null : lora.config;
  }

  /** Switches adapters off (the base model, e.g. DPO's reference) or back on. */
  public void setAdaptersEnabled(boolean enabled) {
    this.adaptersEnabled = enabled;
  }

  public boolean adaptersEnabled() {
    return adaptersEnabled;
  }

  /** Folds scale·B·A into each wrapped base weight; forward then skips the adapter branch. */
  public void mergeLora() {
    requireLora();
    if (merged) {
      throw new IllegalStateException("LoRA adapters are already merged");
    }
    for (String path : lora.a.keySet()) {
      try (NDArray delta = lora.delta(path)) {
        weights.get(path + ".weight").addi(delta);
      }
    }
    merged = true;
  }

  /** Undoes {@link #mergeLora()}, restoring the base weights (up to float rounding). */
  public void unmergeLora() {
    requireLora();
    if (!merged) {
      throw new IllegalStateException("LoRA adapters are not merged");
    }
    for (String path : lora.a.keySet()) {
      try (NDArray delta = lora.delta(path)) {
        weights.get(path + ".weight").subi(delta);
      }
    }
    merged = false;
  }

  private void requireLora() {
    if (lora == null) {
      throw new IllegalStateException("this model has no LoRA adapters");
    }
  }

  /** Train every base weight instead of adapters (full fine-tuning). */
  public void setFullFineTuning(boolean full) {
    this.fullFineTuning = full;
  }

  public void setDropout(double attention, double residual) {
    if (!(attention >= 0 && attention < 1) || !(residual >= 0 && residual < 1)) {
      throw new IllegalArgumentException("dropout rates must be in [0, 1), got attention=" + attention
          + " residual=" + residual);
    }
    this.attentionDropout = (float) attention;
    this.residualDropout = (float) residual;
  }

  /**
   * The parameters an optimizer updates: the LoRA A/B matrices (PEFT names), or every base weight under
   * full fine-tuning. The arrays are live; use {@link #setParameters} / {@link #gradients} to move values.
   */
  public Map<String, NDArray> trainableParameters() {
    if (fullFineTuning || lora == null) {
      if (!fullFineTuning) {
        throw new IllegalStateException("no trainable parameters: add LoRA adapters or enable full fine-tuning");
      }
      return weights;
    }
    return lora.parameters();
  }

  /** All base weights under their HF names (live arrays). */
  public Map<String, NDArray> baseWeights() {
    return weights;
  }

  /**
   * Replaces named parameters (trainable or base) with fresh arrays holding the host values; shapes must
   * match. Fresh arrays carry no gradient, which is how a gradient computation starts from zero: libtorch
   * accumulates into existing gradients, and zeroing them in place proved unreliable through DJL (an
   * undefined gradient "zeroed" came back uninitialised).
   */
  public void setParameters(Map<String, HostTensor> values) {
    Set<String> trainable = trainableNames();
    for (Map.Entry<String, HostTensor> e : values.entrySet()) {
      NDArray current = parameter(e.getKey());
      if (!java.util.Arrays.equals(current.getShape().getShape(), e.getValue().shape())) {
        throw new IllegalArgumentException("parameter '" + e.getKey() + "' has shape " + current.getShape()
            + ", got " + e.getValue().shapeString());
      }
      NDArray fresh = ownedCopy(e.getValue().data(), current.getShape());
      if (trainable.contains(e.getKey())) {
        fresh.setRequiresGradient(true);
      }
      replaceParameter(e.getKey(), fresh);
      current.close();
    }
  }

  /**
   * An array whose memory libtorch owns. DJL's {@code create(float[])} on CPU wraps a Java direct buffer
   * without copying (torch::from_blob); that memory lives only as long as the Java array object, while
   * libtorch may still hold the tensor (autograd graphs, views). A clone detaches the two lifetimes.
   */
  private NDArray ownedCopy(float[] data, Shape shape) {
    try (NDArray wrapped = manager.create(data, shape)) {
      return wrapped.duplicate();
    }
  }

  /** Starts gradient accumulation from zero: every trainable parameter becomes a fresh array, same values. */
  public void resetGradients() {
    setParameters(exportTrainable());
  }

  private Set<String> trainableNames() {
    return fullFineTuning || lora == null ? (fullFineTuning ? weights.keySet() : Set.of()) : lora.parameters().keySet();
  }

  private NDArray parameter(String name) {
    NDArray p = weights.get(name);
    if (p == null && lora != null) {
      p = lora.parameters().get(name);
    }
    if (p == null) {
      throw new IllegalArgumentException("unknown parameter '" + name + "'");
    }
    return p;
  }

  private void replaceParameter(String name, NDArray fresh) {
    if (weights.containsKey(name)) {
      weights.put(name, fresh);
    } else if (name.endsWith(".lora_A.weight")) {
      lora.a.put(name.substring(0, name.length() - ".lora_A.weight".length()), fresh);
    } else {
      lora.b.put(name.substring(0, name.length() - ".lora_B.weight".length()), fresh);
    }
  }

  /** Host copies of the trainable parameters. */
  public Map<String, HostTensor> exportTrainable() {
    return toHost(trainableParameters());
  }

  /** Host copies of the base weights (merged weights when adapters are merged). */
  public Map<String, HostTensor> exportBaseWeights() {
    return toHost(weights);
  }

  static Map<String, HostTensor> toHost(Map<String, NDArray> arrays) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
      out.put(e.getKey(), new HostTensor(e.getValue().getShape().getShape(), e.getValue().toFloatArray()));
    }
    return out;
  }

  /**
   * The gradients accumulated in the trainable parameters since they were last set (by
   * {@link #setParameters} or {@link #resetGradients}); a parameter no backward pass reached reads as zeros.
   */
  public Map<String, HostTensor> readGradients() {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : trainableParameters().entrySet()) {
      PtNDArray param = (PtNDArray) e.getValue();
      PtNDArray grad = JniUtils.getGradient(param);
      if (grad == null) {
        out.put(e.getKey(), HostTensor.zeros(param.getShape().getShape()));
        continue;
      }
      try (grad) {
        out.put(e.getKey(), new HostTensor(param.getShape().getShape(), grad.toFloatArray()));
      }
    }
    return out;
  }

  @Override
  public void close() {
    rotary.close();
    manager.close();
  }

  /** Ids as an int64 [rows, cols] array, padded with {@code pad} on the right. */
  public static NDArray idsArray(NDManager manager, List<int[]> rows, int cols, int pad) {
    long[] flat = new long[rows.size() * cols];
    for (int r = 0; r < rows.size(); r++) {
      int[] row = rows.get(r);
      for (int c = 0; c < cols; c++) {
        flat[r * cols + c] = c < row.length ? row[c] : pad;
      }
    }
    return manager.create(flat, new Shape(rows.size(), cols));
  }

  static List<NDArray> listOf(NDArray... arrays) {
    return new ArrayList<>(List.of(arrays));
  }

  static NDArray stack(List<NDArray> arrays) {
    return NDArrays.stack(new ai.djl.ndarray.NDList(arrays));
  }
}
