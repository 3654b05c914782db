package io.aligntune.spark.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.ModelCheckpoint;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.spark.TaskContext;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The executor JVM's model, loaded once and reused by every task (never shipped per step). Holds one model
 * at a time: a request for a different {@link ModelSource} (the next pipeline phase) closes the previous
 * one. Callers that use the model must hold {@code JvmGradientLock}, which also serialises tasks of a
 * multi-core executor.
 */
public final class ExecutorModels {

  private static ModelSource currentSource;
  private static NDManager currentManager;
  private static LlamaModel currentModel;

  private ExecutorModels() {}

  public static synchronized LlamaModel get(ModelSource source) {
    if (source.equals(currentSource)) {
      return currentModel;
    }
    release();
    ExecutorThreads.applyOnce();
    Device device = Device.cpu();
    TaskContext task = TaskContext.get();
    if (task != null) {
      device = ExecutorDevice.fromResources(CollectionConverters.asJava(task.resources()));
    }
    NDManager manager = NDManager.newBaseManager(device);
    try {
      LlamaModel model = source.uri() == null
          ? LlamaModel.random(manager, source.randomConfig(), source.randomSeed())
          : fromUri(manager, source);
      if (source.lora() != null) {
        model.addLora(source.lora(), source.loraSeed());
      }
      model.setFullFineTuning(source.fullFineTuning());
      currentSource = source;
      currentManager = manager;
      currentModel = model;
      return model;
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  private static LlamaModel fromUri(NDManager manager, ModelSource source) {
    try {
      Path local = HadoopFiles.localCopy(source.uri(), source.contentHash());
      LoadedWeights weights = ModelCheckpoint.load(local);
      return LlamaModel.create(manager, weights.config(), weights.tensors());
    } catch (IOException e) {
      throw new UncheckedIOException("executor could not load model " + source.uri() + ": " + e.getMessage(), e);
    }
  }

  /** Closes the held model (tests, and between phases). */
  public static synchronized void release() {
    if (currentModel != null) {
      currentModel.close();
      currentManager.close();
    }
    currentSource = null;
    currentModel = null;
    currentManager = null;
  }
}
