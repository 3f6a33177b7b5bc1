package org.dl4jbridge.nn.transferlearning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.imageio.ImageIO;
import org.dl4jbridge.datasets.ChannelOrder;
import org.dl4jbridge.datasets.DataSetPreProcessor;
import org.dl4jbridge.datasets.EfficientNetLitePreProcessor;
import org.dl4jbridge.datasets.ImageRecordDataSetIterator;
import org.dl4jbridge.datasets.NativeImageLoader;
import org.dl4jbridge.datasets.VGG16ImagePreProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feature cache's key comes from the iterator's own configuration and the frozen part: a
 * change to any one setting the features depend on misses the cache; nothing else does.
 */
class FeatureCacheKeyTest {
    private static final List<String> LABELS = List.of("daisy", "roses");
    @TempDir Path tmp;
    private final List<ImageRecordDataSetIterator> open = new ArrayList<>();
    private List<Path> files;
    private TransferLearningHelper helper;

    @BeforeEach
    void photos() throws IOException {
        files = new ArrayList<>();
        for (String label : LABELS) {
            Files.createDirectories(tmp.resolve("photos").resolve(label));
            for (int i = 0; i < 3; i++) files.add(photo(tmp.resolve("photos").resolve(label).resolve(i + ".png"), i + label.length()));
        }
        helper = new TransferLearningHelper(TransferLearningRuntimeTest.lesson(TransferLearningRuntimeTest.original()))
                .setFeatureCache(tmp.resolve("cache"));
    }

    @AfterEach
    void close() { open.forEach(ImageRecordDataSetIterator::close); }

    private static Path photo(Path f, int shade) throws IOException {
        BufferedImage img = new BufferedImage(10, 7, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 7; y++) for (int x = 0; x < 10; x++) img.setRGB(x, y, (shade * 40 << 16) | (x * 20 << 8) | y * 30);
        ImageIO.write(img, "png", f.toFile());
        return f;
    }

    private ImageRecordDataSetIterator iterator(List<Path> fs, int size, ChannelOrder order, DataSetPreProcessor pre, int batch) {
        ImageRecordDataSetIterator it = new ImageRecordDataSetIterator(fs, LABELS, new NativeImageLoader(size, size, 3, order),
                batch, 1, 2);
        it.setPreProcessor(pre);
        open.add(it);
        return it;
    }

    private ImageRecordDataSetIterator base() {
        return iterator(files, 8, ChannelOrder.RGB, new EfficientNetLitePreProcessor(), 2);
    }

    private void assertMisses(String setting, Function<FeatureCacheKeyTest, ImageRecordDataSetIterator> changed) {
        assertNotEquals(helper.cacheKey(base()), helper.cacheKey(changed.apply(this)), setting + " must change the key");
    }

    @Test
    void theSameConfigurationGivesTheSameKey() {
        assertEquals(helper.cacheKey(base()), helper.cacheKey(base()));
    }

    @Test
    void changingTheFileListMisses() {
        assertMisses("the file list", t -> t.iterator(t.files.subList(0, 5), 8, ChannelOrder.RGB, new EfficientNetLitePreProcessor(), 2));
    }

    @Test
    void changingAFilesContentAndSizeMisses() throws IOException {
        String before = helper.cacheKey(base());
        FileTime mtime = Files.getLastModifiedTime(files.get(0));
        BufferedImage img = new BufferedImage(11, 7, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(img, "png", files.get(0).toFile());
        Files.setLastModifiedTime(files.get(0), mtime);   // only the size tells
        assertNotEquals(before, helper.cacheKey(base()), "a file's size must change the key");
    }

    @Test
    void changingAFilesModificationTimeMisses() throws IOException {
        String before = helper.cacheKey(base());
        FileTime mtime = Files.getLastModifiedTime(files.get(3));
        Files.setLastModifiedTime(files.get(3), FileTime.fromMillis(mtime.toMillis() + 1));
        assertNotEquals(before, helper.cacheKey(base()), "a file's modification time must change the key");
    }

    @Test
    void changingTheImageSizeMisses() {
        assertMisses("the image size", t -> t.iterator(t.files, 9, ChannelOrder.RGB, new EfficientNetLitePreProcessor(), 2));
    }

    @Test
    void changingTheChannelOrderMisses() {
        assertMisses("the channel order", t -> t.iterator(t.files, 8, ChannelOrder.BGR, new EfficientNetLitePreProcessor(), 2));
    }

    @Test
    void changingThePreProcessorMisses() {
        assertMisses("the pre-processor", t -> t.iterator(t.files, 8, ChannelOrder.RGB, new VGG16ImagePreProcessor(), 2));
        assertMisses("no pre-processor", t -> t.iterator(t.files, 8, ChannelOrder.RGB, null, 2));
    }

    @Test
    void changingTheBatchSizeMisses() {
        assertMisses("the batch size", t -> t.iterator(t.files, 8, ChannelOrder.RGB, new EfficientNetLitePreProcessor(), 3));
    }

    @Test
    void changingTheFrozenPartMisses() {
        org.dl4jbridge.nn.graph.ComputationGraph otherWeights = new org.dl4jbridge.nn.graph.ComputationGraph(TinyVgg.conf(43));
        otherWeights.init();
        TransferLearningHelper other = new TransferLearningHelper(TransferLearningRuntimeTest.lesson(otherWeights));
        assertNotEquals(helper.cacheKey(base()), other.cacheKey(base()), "other frozen parameters must change the key");
    }

    @Test
    void aPreProcessorThatCannotDescribeItselfMakesTheCacheHashTheData() {
        DataSetPreProcessor opaque = ds -> { };
        ImageRecordDataSetIterator it = iterator(files, 8, ChannelOrder.RGB, opaque, 2);
        assertNull(it.cacheIdentity());
        assertEquals(helper.cacheKey(it), helper.cacheKey(iterator(files, 8, ChannelOrder.RGB, opaque, 2)),
                "hashing the same data gives the same key");
    }

    @Test
    void featurizingThroughTheCacheHitsOnlyWhenNothingChanged() {
        helper.featurize(base());
        assertEquals("miss", helper.lastCacheStatus());
        helper.featurize(base());
        assertEquals("hit", helper.lastCacheStatus());
        helper.featurize(iterator(files, 8, ChannelOrder.BGR, new EfficientNetLitePreProcessor(), 2));
        assertEquals("miss", helper.lastCacheStatus());
    }
}
