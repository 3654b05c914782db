package io.aligntune.eval.suite;

import io.aligntune.eval.judge.Judge;
import io.aligntune.eval.judge.RefusalDetector;
import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Judges by name, so that a configuration (and a Spark task, which ships the name, not the object) can pick
 * one. A name is either built in or the fully qualified name of a class that implements {@link Judge} and
 * has a public no-argument constructor, on the classpath of the driver and the executors: that is how a
 * team plugs in its own judge (a classifier, a model-based grader) without changing this code.
 */
public final class JudgeCatalog {

  /** The default judge: {@link RefusalDetector}'s phrase list. */
  public static final String DEFAULT = "refusal-phrases";

  private static final Map<String, Supplier<Judge>> BUILT_IN = Map.of(DEFAULT, RefusalDetector::new);

  private JudgeCatalog() {}

  /**
   * A new judge for {@code name}.
   *
   * @throws IllegalArgumentException naming the bad value and what is accepted
   */
  public static Judge named(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("judge '" + name + "' is invalid; accepted: " + accepted());
    }
    Supplier<Judge> builtIn = BUILT_IN.get(name.strip());
    if (builtIn != null) {
      return builtIn.get();
    }
    Class<?> type;
    try {
      type = Class.forName(name.strip(), true, classLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("judge '" + name + "' is neither built in nor a class on the classpath; accepted: "
          + accepted(), e);
    }
    if (!Judge.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException("judge '" + name + "': class " + type.getName() + " does not implement "
          + Judge.class.getName());
    }
    try {
      return (Judge) type.getConstructor().newInstance();
    } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
      throw new IllegalArgumentException("judge '" + name + "': class " + type.getName()
          + " needs a public no-argument constructor", e);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException("judge '" + name + "': constructor of " + type.getName() + " failed: "
          + e.getCause(), e.getCause());
    }
  }

  private static String accepted() {
    return DEFAULT + " (built in), or the fully qualified name of a class implementing " + Judge.class.getName()
        + " with a public no-argument constructor";
  }

  /** Spark executors load application jars through the thread's context class loader. */
  private static ClassLoader classLoader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : JudgeCatalog.class.getClassLoader();
  }
}
