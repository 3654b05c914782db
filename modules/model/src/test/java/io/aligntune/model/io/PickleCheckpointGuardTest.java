package io.aligntune.model.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PickleCheckpointGuardTest {

  /** Start of what torch.save writes with the legacy (non-zip) serializer: PROTO 2, LONG1 magic number. */
  private static final byte[] LEGACY_TORCH_SAVE = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc};

  /** Local file header of a zip archive, which torch.save writes since PyTorch 1.6. */
  private static final byte[] ZIP_TORCH_SAVE = {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0};

  @TempDir Path dir;

  private String refusal(Path path) {
    CheckpointFormatException e =
        assertThrows(CheckpointFormatException.class, () -> PickleCheckpointGuard.refuseIfPickle(path));
    assertTrue(e.getMessage().startsWith(path + ": refusing to load PyTorch pickle checkpoint"), e.getMessage());
    assertTrue(e.getMessage().contains("unpickling can run arbitrary code"), e.getMessage());
    assertTrue(e.getMessage().contains("save_pretrained('"), e.getMessage());
    assertTrue(e.getMessage().contains("safe_serialization=True"), e.getMessage());
    return e.getMessage();
  }

  @Test
  void refusesPickleFilesByContent() throws IOException {
    Path legacy = Files.write(dir.resolve("pytorch_model.bin"), LEGACY_TORCH_SAVE);
    assertTrue(refusal(legacy).contains("[pytorch_model.bin]"));
    Path zip = Files.write(dir.resolve("weights.bin"), ZIP_TORCH_SAVE);
    assertTrue(refusal(zip).contains("[weights.bin]"));
  }

  @Test
  void refusesTorchExtensionsWhateverTheContent() throws IOException {
    for (String name : new String[] {"model.pt", "consolidated.00.pth", "last.ckpt"}) {
      assertTrue(refusal(Files.write(dir.resolve(name), new byte[] {1, 2, 3})).contains(name));
    }
  }

  @Test
  void refusesADirectoryHoldingOnlyPickles() throws IOException {
    Files.write(dir.resolve("pytorch_model.bin"), ZIP_TORCH_SAVE);
    Files.writeString(dir.resolve("config.json"), "{}");
    String message = refusal(dir);
    assertTrue(message.contains("[pytorch_model.bin]"), message);
    assertTrue(message.contains("from_pretrained('" + dir.toAbsolutePath() + "')"), message);
  }

  @Test
  void acceptsADirectoryThatAlsoHasSafetensors() throws IOException {
    Files.write(dir.resolve("pytorch_model.bin"), ZIP_TORCH_SAVE);
    SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of(), SafetensorsDtype.F32);
    assertDoesNotThrow(() -> PickleCheckpointGuard.refuseIfPickle(dir));
  }

  @Test
  void otherSafetensorsDoNotExcuseAPickleModel() throws IOException {
    Files.write(dir.resolve("pytorch_model.bin"), LEGACY_TORCH_SAVE);
    SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), Map.of(), SafetensorsDtype.F32);
    assertTrue(refusal(dir).contains("[pytorch_model.bin]"));
  }

  @Test
  void doesNotMistakeLlama2cFilesForPickles() throws IOException {
    Path stories = TestFiles.stories260K();
    assertFalse(PickleCheckpointGuard.isPickleCheckpoint(stories));
    assertDoesNotThrow(() -> PickleCheckpointGuard.refuseIfPickle(stories));
    // dim = 640 = 0x280 starts the file with 0x80 0x02 like a pickle; the zero third byte tells them apart.
    Path dim640 = Files.write(dir.resolve("model.bin"), new byte[] {(byte) 0x80, 0x02, 0, 0, 0, 7, 0, 0});
    assertFalse(PickleCheckpointGuard.hasPickleMagic(dim640));
  }
}
