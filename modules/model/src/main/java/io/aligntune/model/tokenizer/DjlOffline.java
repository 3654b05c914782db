package io.aligntune.model.tokenizer;

/**
 * Keeps DJL's Hugging Face tokenizer off the network. Loading it needs no download (the native library
 * ships in the tokenizers jar and is unpacked into DJL's cache directory, {@code ~/.djl.ai/tokenizers} or
 * under {@code DJL_CACHE_DIR}), but every {@code HuggingFaceTokenizer.newInstance} first calls DJL's
 * telemetry ({@code Ec2Utils.callHome}), which sends HTTP requests to the EC2 metadata address and a
 * telemetry URL unless DJL's offline mode ({@code -Dai.djl.offline=true}, {@code DJL_OFFLINE=true},
 * {@code -Doffline=true}) or {@code OPT_OUT_TRACKING} is set. Launchers other than the test build may set
 * neither, so this sets the {@code OPT_OUT_TRACKING} system property unless the property or the
 * environment variable already has a value: it turns off only the telemetry, not the rest of DJL.
 */
final class DjlOffline {

  private static final String OPT_OUT = "OPT_OUT_TRACKING";

  private DjlOffline() {}

  static synchronized void ensureNoTelemetry() {
    if (System.getProperty(OPT_OUT) == null && System.getenv(OPT_OUT) == null) {
      System.setProperty(OPT_OUT, "true");
    }
  }
}
