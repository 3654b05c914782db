package io.aligntune.core.model;

import java.io.Serializable;

/**
 * Shape of a Llama-family decoder, mirroring Hugging Face {@code LlamaConfig} field for field (the JSON
 * names are given per component). Validated on construction: an error names the field, the bad value and
 * what would be accepted.
 *
 * @param hiddenSize {@code hidden_size}: width of the residual stream
 * @param intermediateSize {@code intermediate_size}: width of the SwiGLU hidden layer
 * @param numHiddenLayers {@code num_hidden_layers}
 * @param numAttentionHeads {@code num_attention_heads}: query heads; must divide hidden_size
 * @param numKeyValueHeads {@code num_key_value_heads}: key/value heads (grouped-query attention); must
 *     divide num_attention_heads
 * @param vocabSize {@code vocab_size}
 * @param maxPositionEmbeddings {@code max_position_embeddings}: longest sequence the rotary table covers
 * @param rmsNormEps {@code rms_norm_eps}
 * @param ropeTheta {@code rope_theta}: rotary base frequency (10000 for Llama 2, 500000 for Llama 3)
 * @param tieWordEmbeddings {@code tie_word_embeddings}: output head shares the embedding matrix
 * @param bosTokenId {@code bos_token_id}
 * @param eosTokenId {@code eos_token_id}
 * @param headDim {@code head_dim}: per-head width, hidden_size / num_attention_heads unless given
 */
public record LlamaConfig(
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int vocabSize,
    int maxPositionEmbeddings,
    double rmsNormEps,
    double ropeTheta,
    boolean tieWordEmbeddings,
    int bosTokenId,
    int eosTokenId,
    int headDim)
    implements Serializable {

  public LlamaConfig {
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("num_key_value_heads", numKeyValueHeads);
    positive("vocab_size", vocabSize);
    positive("max_position_embeddings", maxPositionEmbeddings);
    if (headDim == 0) {
      if (hiddenSize % numAttentionHeads != 0) {
        throw new IllegalArgumentException(
            "hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numAttentionHeads
                + " (give head_dim explicitly or choose a divisor)");
      }
      headDim = hiddenSize / numAttentionHeads;
    }
    positive("head_dim", headDim);
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
    }
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new IllegalArgumentException(
          "num_key_value_heads " + numKeyValueHeads + " must divide num_attention_heads " + numAttentionHeads);
    }
    if (!(rmsNormEps > 0) || Double.isInfinite(rmsNormEps)) {
      throw new IllegalArgumentException("rms_norm_eps must be a positive finite number, got " + rmsNormEps);
    }
    if (!(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
      throw new IllegalArgumentException("rope_theta must be a positive finite number, got " + ropeTheta);
    }
    if (bosTokenId < 0 || bosTokenId >= vocabSize) {
      throw new IllegalArgumentException("bos_token_id " + bosTokenId + " is outside [0, vocab_size=" + vocabSize + ")");
    }
    if (eosTokenId < 0 || eosTokenId >= vocabSize) {
      throw new IllegalArgumentException("eos_token_id " + eosTokenId + " is outside [0, vocab_size=" + vocabSize + ")");
    }
  }

  private static void positive(String field, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be a positive integer, got " + value);
    }
  }

  /** Query width: heads × head_dim (equals hidden_size for every standard Llama). */
  public int qDim() {
    return numAttentionHeads * headDim;
  }

  /** Key/value width: kv heads × head_dim. */
  public int kvDim() {
    return numKeyValueHeads * headDim;
  }

  /** Number of weights, counting a tied head once. */
  public long parameterCount() {
    long d = hiddenSize;
    long perLayer = 2 * d + d * qDim() + 2L * d * kvDim() + (long) qDim() * d + 3L * d * intermediateSize;
    long total = (long) vocabSize * d + numHiddenLayers * perLayer + d;
    return tieWordEmbeddings ? total : total + (long) vocabSize * d;
  }

  /** A stories15M-shaped config (llama2.c): the benchmark's reference architecture. */
  public static LlamaConfig stories15M() {
    return new LlamaConfig(288, 768, 6, 6, 6, 32000, 256, 1e-5, 10000.0, true, 1, 2, 0);
  }
}
