package io.aligntune.spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** The device choice from the resource map Spark hands a task (faked here: this machine has no GPU). */
class ExecutorDeviceTest {

  @Test
  void theGpuSparkAssignedIsUsed() {
    Map<String, ResourceInformation> resources = Map.of("gpu", new ResourceInformation("gpu", new String[] {"3"}));
    assertEquals(Device.gpu(3), ExecutorDevice.fromResources(resources));
  }

  @Test
  void theFirstOfSeveralAddressesIsUsed() {
    Map<String, ResourceInformation> resources = Map.of("gpu", new ResourceInformation("gpu", new String[] {"1", "2"}));
    assertEquals(Device.gpu(1), ExecutorDevice.fromResources(resources));
  }

  @Test
  void noGpuMeansCpu() {
    assertEquals(Device.cpu(), ExecutorDevice.fromResources(null));
    assertEquals(Device.cpu(), ExecutorDevice.fromResources(Map.of()));
    assertEquals(Device.cpu(), ExecutorDevice.fromResources(
        Map.of("fpga", new ResourceInformation("fpga", new String[] {"0"}))));
    assertEquals(Device.cpu(), ExecutorDevice.fromResources(
        Map.of("gpu", new ResourceInformation("gpu", new String[0]))));
  }

  @Test
  void anAddressThatIsNotACudaIndexIsExplained() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExecutorDevice.fromResources(
        Map.of("gpu", new ResourceInformation("gpu", new String[] {"GPU-5f2a"}))));
    assertTrue(e.getMessage().contains("'GPU-5f2a'") && e.getMessage().contains("discovery script"), e.getMessage());
  }
}
