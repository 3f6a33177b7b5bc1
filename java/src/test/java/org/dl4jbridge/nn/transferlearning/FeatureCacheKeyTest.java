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
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.GradientNormalization;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.updater.Adam;
import org.dl4jbridge.nn.updater.Nesterovs;
import org.dl4jbridge.nn.updater.Sgd;
import org.dl4jbridge.nn.weights.WeightInit;
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
        ComputationGraph otherWeights = new ComputationGraph(TinyVgg.conf(43));
        otherWeights.init();
        TransferLearningHelper other = new TransferLearningHelper(TransferLearningRuntimeTest.lesson(otherWeights));
        assertNotEquals(helper.cacheKey(base()), other.cacheKey(base()), "other frozen parameters must change the key");
    }

    /** The lesson's graph on {@code TinyVgg} weights of {@code seed}, with a fine-tune configuration of choice. */
    private static TransferLearningHelper lessonWith(long seed, FineTuneConfiguration ftc) {
        ComputationGraph orig = new ComputationGraph(TinyVgg.conf(seed));
        orig.init();
        return new TransferLearningHelper(new TransferLearning.GraphBuilder(orig).fineTuneConfiguration(ftc)
                .setFeatureExtractor("fc2").removeVertexKeepConnections("predictions")
                .addLayer("predictions", TinyVgg.newHead(), "fc2").build());
    }

    @Test
    void aNewHeadUpdaterLearningRateRegularizationDropoutOrSeedKeepsTheKey() {
        // The fine-tune configuration reaches the frozen layers too (as in DL4J), yet none of these
        // settings changes what the frozen part computes in inference mode.
        String lesson = helper.cacheKey(base());
        FineTuneConfiguration otherHead = new FineTuneConfiguration.Builder().updater(new Adam(3e-4)).biasUpdater(new Sgd(0.5))
                .l2(1e-3).l1Bias(1e-4).dropOut(0.5).seed(777).gradientNormalization(GradientNormalization.ClipL2PerLayer)
                .weightInit(WeightInit.RELU).biasInit(0.1).miniBatch(false).build();
        TransferLearningHelper other = lessonWith(42, otherHead).setFeatureCache(tmp.resolve("cache"));
        assertEquals(lesson, other.cacheKey(base()));
        helper.featurize(base());
        assertEquals("miss", helper.lastCacheStatus());
        other.featurize(base());
        assertEquals("hit", other.lastCacheStatus(), "a new head learning rate must reuse the cached features");
    }

    @Test
    void aFrozenLayersActivationOrConvolutionModeMisses() {
        // Fine-tune settings that the frozen layers do compute with must still change the key.
        FineTuneConfiguration tanh = new FineTuneConfiguration.Builder().updater(new Nesterovs(0.05, 0.9)).seed(12345)
                .activation(Activation.TANH).build();
        assertNotEquals(helper.cacheKey(base()), lessonWith(42, tanh).cacheKey(base()), "the frozen activation");
        FineTuneConfiguration same = new FineTuneConfiguration.Builder().updater(new Nesterovs(0.05, 0.9)).seed(12345)
                .convolutionMode(ConvolutionMode.Same).build();
        assertNotEquals(helper.cacheKey(base()), lessonWith(42, same).cacheKey(base()), "the frozen convolution mode");
    }

    @Test
    void oneChangedFrozenWeightMisses() {
        ComputationGraph lesson = TransferLearningRuntimeTest.lesson(TransferLearningRuntimeTest.original());
        TransferLearningHelper other = new TransferLearningHelper(lesson);
        assertEquals(helper.cacheKey(base()), other.cacheKey(base()), "the same weights and settings give the same key");
        NDArray w = lesson.getParam("block1_conv1_W");
        w.put(5, w.get(5) + 1e-3f);
        assertNotEquals(helper.cacheKey(base()), other.cacheKey(base()), "a frozen weight must change the key");
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
