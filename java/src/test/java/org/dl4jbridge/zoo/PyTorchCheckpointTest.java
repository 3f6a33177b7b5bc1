package org.dl4jbridge.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PyTorchCheckpointTest {

    @Test
    void legacyAndZipContainersGiveWhatTorchLoadGives() throws IOException {
        Map<String, Npz.Array> ref = ZooTestFiles.npz("effnet_tiny.npz");
        for (String file : new String[] {"effnet_tiny_legacy.pth", "effnet_tiny_zip.pth"}) {
            Map<String, PyTorchCheckpoint.Tensor> sd = PyTorchCheckpoint.read(ZooTestFiles.resource(file));
            assertEquals(ref.keySet(), sd.keySet(), file);
            for (var e : ref.entrySet()) {
                PyTorchCheckpoint.Tensor t = sd.get(e.getKey());
                assertArrayEquals(e.getValue().shape(), t.shape(), file + " " + e.getKey());
                assertArrayEquals(e.getValue().floats(), t.data(), file + " " + e.getKey());
            }
            assertEquals("int64", sd.get("counter").dtype());
            assertEquals("float64", sd.get("doubles").dtype());
        }
    }

    @Test
    void packagedEfficientNetCheckpointLoadsAll296Tensors() throws IOException {
        Path pth = ZooTestFiles.effnetWeights();
        Map<String, Npz.Array> ref = ZooTestFiles.npz("effnet_checkpoint.npz");
        Map<String, PyTorchCheckpoint.Tensor> sd = PyTorchCheckpoint.read(pth);
        assertEquals(296, sd.size());
        int sampled = 0;
        for (var e : sd.entrySet()) {
            String key = e.getKey();
            PyTorchCheckpoint.Tensor t = e.getValue();
            Npz.Array shape = ref.get(key + ".shape");
            assertTrue(shape != null, "torch.load has no key " + key);
            assertArrayEquals(Arrays.stream(shape.data()).mapToInt(d -> (int) d).toArray(), t.shape(), key);
            double sum = 0;
            for (float v : t.data()) sum += v;
            double expected = ref.get(key + ".sum").data()[0];
            assertEquals(expected, sum, 1e-9 * Math.max(1, Math.abs(expected)) + 1e-6 * Math.sqrt(t.data().length), key + " sum");
            Npz.Array idx = ref.get(key + ".idx");
            if (idx != null) {
                double[] val = ref.get(key + ".val").data();
                for (int i = 0; i < val.length; i++) {
                    assertEquals((float) val[i], t.data()[(int) idx.data()[i]], key + "[" + (long) idx.data()[i] + "]");
                }
                sampled++;
            }
        }
        assertEquals(49 + 1 + 49, sampled, "conv weights, fc weight and running variances sampled");
    }

    @Test
    void packagedFileHasTheExpectedChecksum() throws IOException {
        EfficientNetLite0Weights.verify(ZooTestFiles.effnetWeights());
    }

    @Test
    void wrongChecksumIsRefusedNamingBothDigests(@TempDir Path dir) throws IOException {
        Path f = Files.write(dir.resolve("x.pth"), new byte[] {1, 2, 3});
        var e = assertThrows(CheckpointFormatException.class, () -> EfficientNetLite0Weights.verify(f));
        assertTrue(e.getMessage().contains(EfficientNetLite0Weights.SHA256), e.getMessage());
    }

    @Test
    void unsupportedOpcodeIsNamed() {
        byte[] pickle = {(byte) 0x80, 2, 'I', '1', '\n', '.'};
        var e = assertThrows(CheckpointFormatException.class,
                () -> new Unpickler(pickle, 0, "t.pkl", new PyTorchCheckpoint.TorchHooks("t.pkl")).load());
        assertTrue(e.getMessage().contains("0x49 (INT)") && e.getMessage().contains("byte 2"), e.getMessage());
    }

    @Test
    void unknownCallableIsRefusedNotExecuted() {
        byte[] pickle = "\u0080\u0002cos\nsystem\n)R.".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        var e = assertThrows(CheckpointFormatException.class,
                () -> new Unpickler(pickle, 0, "t.pkl", new PyTorchCheckpoint.TorchHooks("t.pkl")).load());
        assertTrue(e.getMessage().contains("os.system"), e.getMessage());
    }

    @Test
    void truncatedAndForeignFilesGiveClearErrors(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(ZooTestFiles.resource("effnet_tiny_legacy.pth"));
        Path cut = Files.write(dir.resolve("cut.pth"), Arrays.copyOf(full, full.length - 20));
        var e = assertThrows(CheckpointFormatException.class, () -> PyTorchCheckpoint.read(cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Path text = Files.writeString(dir.resolve("notes.pth"), "hello, not a checkpoint");
        e = assertThrows(CheckpointFormatException.class, () -> PyTorchCheckpoint.read(text));
        assertTrue(e.getMessage().contains("not a torch.save file"), e.getMessage());
    }
}
