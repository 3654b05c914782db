package io.aligntune.spark.step;

import java.io.Serializable;

/**
 * Test hook: the first attempt of one partition's task at one step throws, so Spark retries it. Real runs
 * pass null. It lives in the product code because the property it proves (a retried task adds nothing
 * twice) is a property of this code path, not of a copy of it.
 */
public record InjectedTaskFailure(long step, int partition) implements Serializable {}
