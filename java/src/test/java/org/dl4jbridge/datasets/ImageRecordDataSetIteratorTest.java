package org.dl4jbridge.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import org.dl4jbridge.bridge.Interrupts;
import org.dl4jbridge.ndarray.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageRecordDataSetIteratorTest {
    @TempDir Path tmp;

    /** Class i's photos are solid (r, g, b) = COLOURS[i]: a decoded pixel tells its label and channel order. */
    private static final int[][] COLOURS = {{250, 10, 20}, {30, 200, 40}, {60, 70, 180}};
    private static final List<String> LABELS = List.of("c0", "c1", "c2");

    private List<Path> photos(int perClass) throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < 3; c++) {
                // odd sizes: the resize must fill every output pixel with the solid colour
                files.add(TestImages.solid(tmp.resolve("c" + c).resolve("p" + i + ".png"), 17 + i, 9 + 2 * c,
                        COLOURS[c][0], COLOURS[c][1], COLOURS[c][2]));
            }
        }
        return files;
    }

    private static int labelOf(NDArray labels, int row) {
        int hit = -1;
        for (int k = 0; k < labels.size(1); k++) {
            float v = labels.getAt(row, k);
            assertTrue(v == 0f || v == 1f);
            if (v == 1f) {
                assertEquals(-1, hit, "one-hot row has two ones");
                hit = k;
            }
        }
        return hit;
    }

    @Test
    void batchesHaveShapesLabelsAndBgrPixels() throws Exception {
        List<Path> files = photos(3); // 9 files
        try (ImageRecordDataSetIterator it = new ImageRecordDataSetIterator(files, LABELS, new NativeImageLoader(8, 6, 3), 4, 2, 2)) {
            assertEquals(3, it.numBatches());
            int seen = 0;
            List<int[]> firstEpoch = new ArrayList<>();
            while (it.hasNext()) {
                DataSet ds = it.next();
                int mb = ds.numExamples();
                assertArrayEquals(new int[] {mb, 3, 8, 6}, ds.getFeatures().shape());
                assertArrayEquals(new int[] {mb, 3}, ds.getLabels().shape());
                assertEquals(LABELS, ds.getLabelNamesList());
                for (int r = 0; r < mb; r++) {
                    int c = labelOf(ds.getLabels(), r);
                    assertEquals(c, LABELS.indexOf(ImageFolderSplit.labelOf(files.get(seen + r))));
                    // BGR planes: plane 0 holds blue
                    assertEquals(COLOURS[c][2], ds.getFeatures().getAt(r, 0, 7, 5));
                    assertEquals(COLOURS[c][1], ds.getFeatures().getAt(r, 1, 0, 0));
                    assertEquals(COLOURS[c][0], ds.getFeatures().getAt(r, 2, 3, 2));
                    firstEpoch.add(new int[] {c});
                }
                seen += mb;
            }
            assertEquals(9, seen);
            assertThrows(NoSuchElementException.class, it::next);
            it.reset();
            int again = 0;
            while (it.hasNext()) {
                DataSet ds = it.next();
                for (int r = 0; r < ds.numExamples(); r++) assertEquals(firstEpoch.get(again + r)[0], labelOf(ds.getLabels(), r));
                again += ds.numExamples();
            }
            assertEquals(9, again);
        }
    }

    @Test
    void rgbOrderAndPreProcessors() throws Exception {
        List<Path> files = photos(1);
        try (ImageRecordDataSetIterator it = new ImageRecordDataSetIterator(files, LABELS,
                new NativeImageLoader(5, 5, 3, ChannelOrder.RGB), 3, 1, 1)) {
            it.setPreProcessor(new EfficientNetLitePreProcessor());
            DataSet ds = it.next();
            int c = labelOf(ds.getLabels(), 0);
            assertEquals((COLOURS[c][0] - 127f) / 128f, ds.getFeatures().getAt(0, 0, 2, 2));
            assertEquals((COLOURS[c][2] - 127f) / 128f, ds.getFeatures().getAt(0, 2, 4, 4));
        }
        try (ImageRecordDataSetIterator it = new ImageRecordDataSetIterator(files, LABELS, new NativeImageLoader(5, 5, 3), 3, 1, 1)) {
            it.setPreProcessor(new VGG16ImagePreProcessor());
            DataSet ds = it.next();
            int c = labelOf(ds.getLabels(), 1);
            assertEquals(COLOURS[c][2] - 103.939f, ds.getFeatures().getAt(1, 0, 1, 1), 1e-4);
            assertEquals(COLOURS[c][1] - 116.779f, ds.getFeatures().getAt(1, 1, 1, 1), 1e-4);
            assertEquals(COLOURS[c][0] - 123.68f, ds.getFeatures().getAt(1, 2, 1, 1), 1e-4);
            NDArray copy = ds.getFeatures().dup();
            new VGG16ImagePreProcessor().revertFeatures(copy);
            assertEquals(COLOURS[c][0], copy.getAt(1, 2, 1, 1), 1e-4);
        }
    }

    @Test
    void corruptPhotoIsSkippedAndNamedMissingFileFails() throws Exception {
        List<Path> files = photos(2);
        Path corrupt = tmp.resolve("c1").resolve("broken.jpg");
        Files.write(corrupt, new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        files.add(1, corrupt);
        try (ImageRecordDataSetIterator it = new ImageRecordDataSetIterator(files, LABELS, new NativeImageLoader(4, 4, 3), 7, 1, 2)) {
            int total = 0;
            while (it.hasNext()) total += it.next().numExamples();
            assertEquals(6, total);
            assertEquals(List.of(corrupt), it.skippedFiles());
        }
        List<Path> withMissing = new ArrayList<>(photos(1));
        withMissing.add(tmp.resolve("c0").resolve("gone.png"));
        try (ImageRecordDataSetIterator it = new ImageRecordDataSetIterator(withMissing, LABELS, new NativeImageLoader(4, 4, 3), 8, 1, 1)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, it::next);
            assertTrue(e.getMessage().contains("gone.png"), e.getMessage());
        }
    }

    /**
     * Photos are decoded by whichever thread claims them first (the background decoder, or the
     * consumer with the engine's workers when it arrives early); every batch must still hold each
     * photo exactly as the loader decodes it alone, in file order, with a corrupt photo left out.
     */
    @Test
    void batchesEqualPhotoByPhotoDecodingWhoeverDecodes() throws Exception {
        java.util.Random rnd = new java.util.Random(3);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 29; i++) {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(23 + i % 5, 19 + i % 3,
                    java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
            for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) img.setRGB(x, y, rnd.nextInt());
            files.add(TestImages.write(img, tmp.resolve("c" + i % 3).resolve("n" + i + ".png")));
        }
        Path corrupt = tmp.resolve("c2").resolve("broken.jpg");
        Files.write(corrupt, new byte[] {(byte) 0xFF, (byte) 0xD8, 9, 9});
        files.add(11, corrupt);
        NativeImageLoader loader = new NativeImageLoader(7, 5, 3);
        for (int[] threadsAndPrefetch : new int[][] {{1, 1}, {2, 3}}) {
            try (ImageRecordDataSetIterator it = new ImageRecordDataSetIterator(files, LABELS, loader, 8,
                    threadsAndPrefetch[0], threadsAndPrefetch[1])) {
                List<Path> expected = new ArrayList<>(files);
                expected.remove(corrupt);
                int seen = 0;
                while (it.hasNext()) {
                    DataSet ds = it.next();
                    for (int r = 0; r < ds.numExamples(); r++, seen++) {
                        Path file = expected.get(seen);
                        assertArrayEquals(loader.asMatrix(file).toFloatArray(), ds.getFeatures().slice0(r, r + 1).dup().toFloatArray(),
                                file.toString());
                        assertEquals(LABELS.indexOf(ImageFolderSplit.labelOf(file)), labelOf(ds.getLabels(), r));
                    }
                }
                assertEquals(29, seen);
                assertEquals(List.of(corrupt), it.skippedFiles());
            }
        }
    }

    @Test
    void refusesBadArguments() throws Exception {
        List<Path> files = photos(1);
        NativeImageLoader loader = new NativeImageLoader(4, 4, 3);
        assertThrows(IllegalArgumentException.class, () -> new ImageRecordDataSetIterator(files, LABELS, loader, 0, 1, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageRecordDataSetIterator(files, List.of("c0", "c1"), loader, 2, 1, 1));
        assertTrue(e.getMessage().contains("c2"));
        assertThrows(IllegalArgumentException.class, () -> new NativeImageLoader(4, 4, 1));
        ImageRecordDataSetIterator it = new ImageRecordDataSetIterator(files, LABELS, loader, 2, 1, 1);
        it.close();
        assertThrows(IllegalStateException.class, it::hasNext);
        assertFalse(files.isEmpty());
    }

    @Test
    void aCancelledConsumerStopsItsDecodersAndCarriesOnOnceCleared() throws Exception {
        List<Path> files = new ArrayList<>(photos(3));
        Path corrupt = tmp.resolve("c1").resolve("not-an-image.png");
        Files.write(corrupt, new byte[] {1, 2, 3, 4});
        files.add(1, corrupt); // in the first batch: a decoder that touched it would list it as skipped
        Thread me = Thread.currentThread();
        try (ImageRecordDataSetIterator it = new ImageRecordDataSetIterator(files, LABELS, new NativeImageLoader(8, 6, 3), 4, 2, 3)) {
            Interrupts.cancel(me);
            try {
                CancellationException e = assertThrows(CancellationException.class, it::hasNext);
                assertEquals("reading images was interrupted", e.getMessage());
                Thread.sleep(300); // time for a decoder that ignored the mark to reach the corrupt file
                assertEquals(List.of(), it.skippedFiles(), "no decoder claimed a photo for a cancelled consumer");
            } finally {
                Interrupts.clear(me);
            }
            int seen = 0;
            while (it.hasNext()) seen += it.next().numExamples();
            assertEquals(9, seen, "every photo once, as if nothing had happened");
            assertEquals(List.of(corrupt), it.skippedFiles());
        }
    }
}
