package io.aligntune.spark.model;

import ai.djl.Device;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;

/**
 * Which device an executor computes on: the GPU Spark assigned to the task
 * ({@code spark.task.resource.gpu.amount=1} makes {@code TaskContext.resources()} carry its address), else
 * the CPU.
 */
public final class ExecutorDevice {

  private ExecutorDevice() {}

  public static Device fromResources(Map<String, ResourceInformation> resources) {
    ResourceInformation gpu = resources == null ? null : resources.get("gpu");
    if (gpu == null || gpu.addresses().length == 0) {
      return Device.cpu();
    }
    String address = gpu.addresses()[0];
    try {
      return Device.gpu(Integer.parseInt(address.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Spark assigned GPU address '" + address
          + "', which is not a CUDA device index; check the cluster's GPU discovery script", e);
    }
  }
}
