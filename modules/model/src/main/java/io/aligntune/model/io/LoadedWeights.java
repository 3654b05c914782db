package io.aligntune.model.io;

import io.aligntune.core.model.LlamaConfig;
import io.aligntune.core.tensor.HostTensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;

/**
 * A model read from disk: its architecture and its float32 weights under Hugging Face names, in the
 * canonical order of {@link LlamaWeightLayout}, already checked against the config.
 *
 * @param config the architecture
 * @param tensors weights by Hugging Face name ({@code lm_head.weight} absent when tied)
 * @param source the file or directory it was read from
 */
public record LoadedWeights(LlamaConfig config, LinkedHashMap<String, HostTensor> tensors, Path source) {}
