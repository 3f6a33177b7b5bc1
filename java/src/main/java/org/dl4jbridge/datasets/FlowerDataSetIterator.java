package org.dl4jbridge.datasets;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The lesson's FlowerDataSetIterator (DL4J_SPEC 8): the extracted {@code flower_photos} folder
 * split 80/20 with DL4J's balanced split ({@link ImageFolderSplit}), read at 224x224x3 into
 * minibatches with one-hot labels over daisy, dandelion, roses, sunflowers, tulips.
 *
 * <p>Downloading and extracting is the caller's job (Python: dl4j_bridge.fetch); this class takes
 * the folder. Differences from DL4J's class, each deliberate: the split's generator is a fresh
 * {@code Random(seed)} per setup (DL4J keeps one static {@code Random(13)}, so its second setup in a
 * process splits differently), file listings are sorted by default (reproducible on every filesystem;
 * {@link ImageFolderSplit.Listing#FILESYSTEM} lists as DL4J does), and the channel order and
 * pre-processor are parameters (DL4J: BGR + VGG16ImagePreProcessor).
 */
public final class FlowerDataSetIterator {
    public static final int HEIGHT = 224;
    public static final int WIDTH = 224;
    public static final int CHANNELS = 3;
    public static final int NUM_CLASSES = 5;
    /** DL4J's lesson seeds its split generator with 13 (pass it to reproduce DL4J's split). */
    public static final long DL4J_SPLIT_SEED = 13;
    /**
     * The split seed when none is given, here and in Python ({@code dl4j_bridge.datasets.DEFAULT_SPLIT_SEED};
     * a test keeps them equal): the lesson's documented results use it.
     */
    public static final long DEFAULT_SEED = 12345;
    public static final String FOLDER = "flower_photos";

    /** The two iterators of one split, and the split itself (file lists, labels). */
    public record Iterators(ImageRecordDataSetIterator train, ImageRecordDataSetIterator test, ImageFolderSplit.Result split)
            implements AutoCloseable {
        @Override
        public void close() {
            train.close();
            test.close();
        }
    }

    private FlowerDataSetIterator() {}

    /** DL4J's {@code setup(batchSize, trainPerc)}: BGR, VGG16ImagePreProcessor, seed {@link #DEFAULT_SEED}. */
    public static Iterators setup(Path dataDir, int batchSize, int trainPercent) {
        return setup(dataDir, batchSize, trainPercent, DEFAULT_SEED, ChannelOrder.BGR, new VGG16ImagePreProcessor(),
                ImageRecordDataSetIterator.defaultDecoderThreads(), 0);
    }

    /**
     * @param dataDir        the {@code flower_photos} folder, or a folder holding it
     * @param seed           seed of the split's {@code java.util.Random}
     * @param preProcessor   applied to every minibatch (null: raw 0..255 pixels)
     * @param decoderThreads background decoding threads (at least 1)
     * @param maxExamples    if > 0, keep only the first maxExamples of each part (quick runs on a subset)
     */
    public static Iterators setup(Path dataDir, int batchSize, int trainPercent, long seed, ChannelOrder order,
                                  DataSetPreProcessor preProcessor, int decoderThreads, int maxExamples) {
        return setup(dataDir, batchSize, trainPercent, seed, order, preProcessor, decoderThreads, maxExamples,
                ImageFolderSplit.Listing.SORTED);
    }

    /**
     * As above, with the folder listing order: {@link ImageFolderSplit.Listing#FILESYSTEM} gives the
     * file lists DL4J's FileSplit + BalancedPathFilter give on this machine with {@code new Random(seed)}.
     */
    public static Iterators setup(Path dataDir, int batchSize, int trainPercent, long seed, ChannelOrder order,
                                  DataSetPreProcessor preProcessor, int decoderThreads, int maxExamples,
                                  ImageFolderSplit.Listing listing) {
        if (dataDir == null) throw new IllegalArgumentException("dataDir is null: pass the extracted flower_photos folder");
        Path root = Files.isDirectory(dataDir.resolve(FOLDER)) ? dataDir.resolve(FOLDER) : dataDir;
        if (maxExamples < 0) throw new IllegalArgumentException("maxExamples = " + maxExamples + " must be 0 (all) or positive");
        ImageFolderSplit.Result split = ImageFolderSplit.split(root, trainPercent, seed, listing);
        if (split.labels().size() != NUM_CLASSES) {
            throw new IllegalArgumentException(root + " holds " + split.labels().size() + " class folders " + split.labels()
                    + ", the flower data set has " + NUM_CLASSES + " (daisy, dandelion, roses, sunflowers, tulips); point "
                    + "dataDir at the extracted flower_photos folder");
        }
        NativeImageLoader loader = new NativeImageLoader(HEIGHT, WIDTH, CHANNELS, order);
        int prefetch = Math.max(2, 2 * decoderThreads);
        ImageRecordDataSetIterator train = new ImageRecordDataSetIterator(limit(split.train(), maxExamples), split.labels(), loader,
                batchSize, decoderThreads, prefetch);
        ImageRecordDataSetIterator test = new ImageRecordDataSetIterator(limit(split.test(), maxExamples), split.labels(), loader,
                batchSize, decoderThreads, prefetch);
        if (preProcessor != null) {
            train.setPreProcessor(preProcessor);
            test.setPreProcessor(preProcessor);
        }
        return new Iterators(train, test, split);
    }

    private static List<Path> limit(List<Path> part, int max) {
        return max > 0 && max < part.size() ? part.subList(0, max) : part;
    }
}
