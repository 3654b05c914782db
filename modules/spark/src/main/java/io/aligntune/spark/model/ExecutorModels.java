package io.aligntune.spark.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.aligntune.core.tensor.HostTensor;
import io.aligntune.model.io.LoadedWeights;
import io.aligntune.model.io.ModelCheckpoint;
import io.aligntune.model.llama.LlamaModel;
import io.aligntune.spark.io.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.TaskContext;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The executor JVM's model, loaded once and reused by every task (never shipped per step). Holds one model
 * at a time: a request for a different {@link ModelSource} (the next pipeline phase) closes the previous
 * one. Callers that use the model must hold {@code JvmGradientLock}, which also serialises tasks of a
 * multi-core executor.
 *
 * <p>Training and evaluation steps overwrite the cached model's parameters with the driver's
 * ({@link #withWeights}); under full fine-tuning those are the base weights themselves. Such a model is
 * marked dirty, and a caller that needs the weights as loaded ({@link #pristine}: DPO's reference pass,
 * generation) gets a fresh load instead. Reloading in place, rather than keying the reference by a second
 * source, keeps the usual order (reference pass, then training) at one load per JVM.
 */
public final class ExecutorModels {

  private static ModelSource currentSource;
  private static NDManager currentManager;
  private static LlamaModel currentModel;
  // true once a caller set parameters: the cached model no longer equals what its source loads
  private static boolean dirty;

  private ExecutorModels() {}

  /**
   * The model of {@code source} holding {@code weights} (the step's trainable parameters, or all base
   * weights under full fine-tuning).
   */
  public static synchronized LlamaModel withWeights(ModelSource source, Map<String, HostTensor> weights) {
    LlamaModel model = load(source);
    dirty = true; // before setting: a half-applied update is not pristine either
    model.setParameters(weights);
    return model;
  }

  /** The model of {@code source} with the weights it loads (reloaded if a step overwrote them). */
  public static synchronized LlamaModel pristine(ModelSource source) {
    if (dirty && source.equals(currentSource)) {
      release();
    }
    return load(source);
  }

  private static LlamaModel load(ModelSource source) {
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
      dirty = false;
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
    dirty = false;
  }
}
