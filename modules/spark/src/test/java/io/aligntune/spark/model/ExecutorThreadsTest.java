package io.aligntune.spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ExecutorThreadsTest {

  @Test
  void anExecutorGetsOneLibtorchThreadPerExecutorCore() {
    assertEquals(OptionalInt.of(4), ExecutorThreads.threadsFor(Optional.empty(), "3", Optional.of("4")));
    assertEquals(OptionalInt.of(1), ExecutorThreads.threadsFor(Optional.empty(), "0", Optional.of(" 1 ")));
  }

  @Test
  void anExplicitDjlPropertyLocalModeOrUnknownCoresLeaveLibtorchAlone() {
    assertTrue(ExecutorThreads.threadsFor(Optional.of("2"), "3", Optional.of("4")).isEmpty());
    assertTrue(ExecutorThreads.threadsFor(Optional.empty(), "driver", Optional.of("4")).isEmpty());
    assertTrue(ExecutorThreads.threadsFor(Optional.empty(), "3", Optional.empty()).isEmpty());
  }

  @Test
  void aBadCoreCountIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ExecutorThreads.threadsFor(Optional.empty(), "1", Optional.of("0")));
    assertTrue(e.getMessage().contains("spark.executor.cores is '0'"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> ExecutorThreads.threadsFor(Optional.empty(), "1", Optional.of("two")));
  }
}
