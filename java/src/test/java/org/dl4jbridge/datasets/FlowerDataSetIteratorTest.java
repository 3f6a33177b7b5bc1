package org.dl4jbridge.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlowerDataSetIteratorTest {
    @TempDir Path tmp;

    private static final String[] CLASSES = {"daisy", "dandelion", "roses", "sunflowers", "tulips"};

    @Test
    void setupOnSyntheticFlowers() throws Exception {
        Path root = tmp.resolve("flower_photos");
        for (int c = 0; c < 5; c++) {
            for (int i = 0; i < 4 + c; i++) TestImages.solid(root.resolve(CLASSES[c]).resolve("f" + i + ".jpg"), 30, 20, 40 * c, 50, 60);
        }
        Files.writeString(root.resolve("LICENSE.txt"), "cc-by");
        try (FlowerDataSetIterator.Iterators its = FlowerDataSetIterator.setup(tmp, 3, 80, 12345, ChannelOrder.RGB, null, 2, 0)) {
            assertEquals(List.of(CLASSES), its.train().getLabels());
            assertEquals(16, its.train().totalExamples()); // balanced: 5 classes x 4, 80 %
            assertEquals(4, its.test().totalExamples());
            DataSet ds = its.train().next();
            assertArrayEquals(new int[] {3, 3, 224, 224}, ds.getFeatures().shape());
            assertArrayEquals(new int[] {3, 5}, ds.getLabels().shape());
        }
        Files.createDirectories(root.resolve("extra_class"));
        TestImages.solid(root.resolve("extra_class").resolve("x.png"), 4, 4, 1, 1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlowerDataSetIterator.setup(root, 4, 80));
        assertTrue(e.getMessage().contains("6 class folders"), e.getMessage());
    }

    /**
     * The real archive, when extracted (system property dl4jbridge.flowers or DL4J_BRIDGE_FLOWERS_DIR):
     * split against the Python reference from the mirror's manifest; decode the first batches.
     */
    @Test
    void realArchiveSplitAndFirstBatches() throws Exception {
        String dir = System.getProperty("dl4jbridge.flowers", System.getenv("DL4J_BRIDGE_FLOWERS_DIR"));
        assumeTrue(dir != null && !dir.isBlank() && !dir.contains("${"), "flower folder not given");
        Path data = Path.of(dir);
        assumeTrue(Files.isDirectory(data), data + " missing");
        Map<String, Npz.Array> ref = Npz.read(Path.of(getClass().getResource("/reference/balanced_split.npz").toURI()));
        assumeTrue(ref.containsKey("flowers_seed12345_counts"), "reference made without the manifest");
        for (int seed : new int[] {12345, 13}) {
            try (FlowerDataSetIterator.Iterators its = FlowerDataSetIterator.setup(data, 16, 80, seed, ChannelOrder.BGR,
                    new VGG16ImagePreProcessor(), 1, 0)) {
                ImageFolderSplit.Result split = its.split();
                List<Path> listing = ImageFolderSplit.listImages(data.resolve("flower_photos"));
                assertEquals(3670, split.filesFound());
                assertEquals(2532, split.train().size());
                assertEquals(633, split.test().size());
                int[] counts = ints(ref.get("flowers_seed" + seed + "_counts"));
                assertArrayEquals(java.util.Arrays.copyOfRange(counts, 0, 5), split.classCounts(split.train()));
                assertArrayEquals(java.util.Arrays.copyOfRange(counts, 5, 10), split.classCounts(split.test()));
                int[] testIdx = split.test().stream().mapToInt(listing::indexOf).toArray();
                assertArrayEquals(ints(ref.get("flowers_seed" + seed + "_test")), testIdx);
                System.out.printf("flowers seed %d: train %s, test %s%n", seed,
                        java.util.Arrays.toString(split.classCounts(split.train())), java.util.Arrays.toString(split.classCounts(split.test())));
                long t0 = System.nanoTime();
                int n = 0;
                for (int b = 0; b < 4 && its.train().hasNext(); b++) n += its.train().next().numExamples();
                System.out.printf("first %d training photos decoded in %.0f ms%n", n, (System.nanoTime() - t0) / 1e6);
                assertEquals(64, n);
            }
        }
    }

    private static int[] ints(Npz.Array a) {
        int[] out = new int[a.length()];
        for (int i = 0; i < out.length; i++) out[i] = (int) a.data()[i];
        return out;
    }
}
