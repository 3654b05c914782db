package io.aligntune.spark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The shipped Hadoop configuration survives Java serialization. Needed apart from the job tests: in
 * {@code local[N]} a broadcast value is handed to tasks without being serialized, so only a real cluster
 * would otherwise exercise this.
 */
class SerializableHadoopConfTest {

  @Test
  void settingsSurviveSerialization() throws Exception {
    Configuration conf = new Configuration(false);
    conf.set("fs.s3a.endpoint", "http://127.0.0.1:9000");
    conf.setInt("io.file.buffer.size", 131072);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(new SerializableHadoopConf(conf));
    }
    SerializableHadoopConf copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (SerializableHadoopConf) in.readObject();
    }
    assertEquals("http://127.0.0.1:9000", copy.get().get("fs.s3a.endpoint"));
    assertEquals(131072, copy.get().getInt("io.file.buffer.size", 0));
  }
}
