package io.aligntune.spark.data;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;

/**
 * The driver's Hadoop configuration, shipped to executors (broadcast once per job), so that tasks open
 * input files with the same settings Spark's own readers use: {@code spark.hadoop.*} options such as
 * object-store credentials or endpoints, which a {@code new Configuration()} on an executor would lack.
 * Hadoop's {@code Configuration} is {@code Writable} but not {@code Serializable}, hence this wrapper.
 */
final class SerializableHadoopConf implements Serializable {

  private static final long serialVersionUID = 1L;

  private transient Configuration conf;

  SerializableHadoopConf(Configuration conf) {
    this.conf = new Configuration(conf);
  }

  Configuration get() {
    return conf;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    conf.write(out);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    conf = new Configuration(false);
    conf.readFields(in);
  }
}
