package io.aligntune.train.compute;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * DJL's PyTorch engine allows one open gradient collector per JVM (PLATFORM.md pitfall 1): two Spark tasks
 * in one executor that both record gradients fail. Every gradient computation takes this JVM-wide lock, so
 * {@code local[N]} and multi-core executors still work; libtorch's intra-op threads use the cores inside
 * the one task that holds it.
 */
public final class JvmGradientLock {

  private static final ReentrantLock LOCK = new ReentrantLock(true);

  private JvmGradientLock() {}

  public static <T> T run(Supplier<T> work) {
    LOCK.lock();
    try {
      return work.get();
    } finally {
      LOCK.unlock();
    }
  }
}
