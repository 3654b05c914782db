package io.aligntune.cli;

import ai.djl.ndarray.NDManager;
import io.aligntune.core.text.Tokenizer;
import io.aligntune.model.ModelBundle;
import io.aligntune.model.llama.LlamaModel;
import java.io.IOException;

/** A model bundle with its weights on the DJL engine, for the length of one command. */
final class LoadedModel implements AutoCloseable {

  private final ModelBundle bundle;
  private final NDManager manager;
  private final LlamaModel model;

  private LoadedModel(ModelBundle bundle, NDManager manager, LlamaModel model) {
    this.bundle = bundle;
    this.manager = manager;
    this.model = model;
  }

  static LoadedModel open(ModelOptions options) throws IOException {
    ModelBundle bundle = ModelBundle.open(options.model, options.tokenizer);
    NDManager manager = NDManager.newBaseManager();
    try {
      LlamaModel model = LlamaModel.create(manager, bundle.weights().config(), bundle.weights().tensors());
      return new LoadedModel(bundle, manager, model);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  ModelBundle bundle() {
    return bundle;
  }

  Tokenizer tokenizer() {
    return bundle.tokenizer();
  }

  LlamaModel model() {
    return model;
  }

  int maxPositions() {
    return model.config().maxPositionEmbeddings();
  }

  /** [BOS] + ids: the layout every command feeds the model (one BOS at position 0). */
  int[] withBos(int[] ids) {
    int[] out = new int[ids.length + 1];
    out[0] = tokenizer().bosId();
    System.arraycopy(ids, 0, out, 1, ids.length);
    return out;
  }

  @Override
  public void close() throws Exception {
    try (NDManager m = manager; LlamaModel l = model) {
      if (bundle.tokenizer() instanceof AutoCloseable closeable) {
        closeable.close();
      }
    }
  }
}
