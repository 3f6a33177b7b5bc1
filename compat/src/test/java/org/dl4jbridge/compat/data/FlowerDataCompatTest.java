package org.dl4jbridge.compat.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.datavec.api.io.filters.BalancedPathFilter;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.CollectionInputSplit;
import org.datavec.api.split.FileSplit;
import org.datavec.api.split.InputSplit;
import org.datavec.image.loader.BaseImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.dl4jbridge.datasets.ChannelOrder;
import org.dl4jbridge.datasets.FlowerDataSetIterator;
import org.dl4jbridge.datasets.ImageFolderSplit;
import org.dl4jbridge.datasets.ImageFolderSplit.Listing;
import org.dl4jbridge.datasets.VGG16ImagePreProcessor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Issue 10, part 2f: the lesson's data as DL4J 1.0.0-M2.1 reads it, against the engine.
 *
 * <p>DL4J's path is the one of dl4j-examples' EditLastLayerOthersFrozen / FlowerDataSetIterator:
 * {@code FileSplit(dir, BaseImageLoader.ALLOWED_FORMATS, rng)}, {@code BalancedPathFilter(rng,
 * ALLOWED_FORMATS, new ParentPathLabelGenerator())} with the same {@code Random(seed)},
 * {@code sample(filter, 80, 20)}, {@code ImageRecordReader(224, 224, 3, labelMaker)} and
 * {@code RecordReaderDataSetIterator(reader, batch, 1, 5)} with {@code VGG16ImagePreProcessor}.
 *
 * <p>The one deliberate difference is the folder listing order: DL4J's FileSplit takes entries in
 * directory order (ext4: hash order, different on every machine and every extraction), the engine
 * by default sorts them by name, so that a seed gives the same split everywhere. Hence:
 * <ul>
 *   <li>with {@link Listing#FILESYSTEM} the engine's train and test lists are DL4J's, file for file
 *       and in order, for the whole set and two seeds;</li>
 *   <li>with the default {@link Listing#SORTED} they are what DL4J's own filter and sampler make of
 *       the sorted listing (DL4J's FileSplit still draws from the generator first, as in the lesson);</li>
 *   <li>the first training and test minibatches (pixels after the pre-processor, labels) agree within
 *       1e-5 (in fact exactly: the engine reproduces OpenCV's decode and INTER_LINEAR resize).</li>
 * </ul>
 * The archive is the shared mirror's {@code data/flower_photos.tgz}, extracted once under
 * {@code target/}.
 */
class FlowerDataCompatTest {
    private static final int BATCH = 16;
    private static final long[] SEEDS = {12345, 13};
    private static Path flowers;

    @BeforeAll
    static void extractOnce() throws IOException {
        Path archive = archive();
        Path target = Paths.get("target", "compat-flowers").toAbsolutePath();
        Path marker = target.resolve(".extracted-" + Files.size(archive));
        flowers = target.resolve("flower_photos");
        if (Files.exists(marker) && Files.isDirectory(flowers)) return;
        deleteTree(target);
        Files.createDirectories(target);
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive), 1 << 16));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextTarEntry()) != null) {
                Path out = target.resolve(e.getName()).normalize();
                if (!out.startsWith(target)) throw new IOException("archive entry outside the folder: " + e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else if (e.isFile()) {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Files.createFile(marker);
    }

    /** $DL4J_BRIDGE_SHARED/data, ../shared/data beside the checkout, /work/shared/data. */
    private static Path archive() {
        List<Path> candidates = new ArrayList<>();
        String shared = System.getenv("DL4J_BRIDGE_SHARED");
        if (shared != null && !shared.isBlank()) candidates.add(Paths.get(shared, "data", "flower_photos.tgz"));
        Path repo = Paths.get("").toAbsolutePath().getParent();   // surefire runs in compat/
        if (repo != null && repo.getParent() != null) candidates.add(repo.getParent().resolve("shared/data/flower_photos.tgz"));
        candidates.add(Paths.get("/work/shared/data/flower_photos.tgz"));
        for (Path p : candidates) if (Files.isRegularFile(p)) return p;
        throw new IllegalStateException("flower_photos.tgz not found (tried " + candidates
                + "); set DL4J_BRIDGE_SHARED=/path/to/shared");
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    // ---- DL4J's path ---------------------------------------------------------------------------

    /** The lesson's split, all DL4J: FileSplit, BalancedPathFilter, sample(80, 20). */
    private static InputSplit[] dl4jSplit(long seed) {
        Random rng = new Random(seed);
        ParentPathLabelGenerator labelMaker = new ParentPathLabelGenerator();
        FileSplit filesInDir = new FileSplit(flowers.toFile(), BaseImageLoader.ALLOWED_FORMATS, rng);
        BalancedPathFilter pathFilter = new BalancedPathFilter(rng, BaseImageLoader.ALLOWED_FORMATS, labelMaker);
        return filesInDir.sample(pathFilter, 80, 20);
    }

    /**
     * DL4J's filter and sampler applied to the listing sorted by name (class folders, then the files
     * of each). DL4J's FileSplit is still built first with the same generator, as in the lesson, so
     * its draws happen; only the listing it would have handed to the sampler is replaced.
     */
    private static InputSplit[] dl4jSplitOfSortedListing(long seed) throws IOException {
        Random rng = new Random(seed);
        ParentPathLabelGenerator labelMaker = new ParentPathLabelGenerator();
        FileSplit filesInDir = new FileSplit(flowers.toFile(), BaseImageLoader.ALLOWED_FORMATS, rng);
        List<URI> sorted = new ArrayList<>();
        try (Stream<Path> classes = Files.list(flowers)) {
            for (Path dir : classes.filter(Files::isDirectory).sorted(byName()).toList()) {
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(FlowerDataCompatTest::allowed).sorted(byName()).forEach(p -> sorted.add(p.toUri()));
                }
            }
        }
        assertEquals(filesInDir.locations().length, sorted.size(), "the sorted listing holds the files FileSplit lists");
        BalancedPathFilter pathFilter = new BalancedPathFilter(rng, BaseImageLoader.ALLOWED_FORMATS, labelMaker);
        return new CollectionInputSplit(sorted).sample(pathFilter, 80, 20);
    }

    private static Comparator<Path> byName() {
        return Comparator.comparing(p -> p.getFileName().toString());
    }

    private static boolean allowed(Path p) {
        String name = p.getFileName().toString();
        return Arrays.stream(BaseImageLoader.ALLOWED_FORMATS).anyMatch(name::endsWith);
    }

    private static List<Path> paths(InputSplit split) {
        List<Path> out = new ArrayList<>();
        for (URI u : split.locations()) out.add(Paths.get(u));
        return out;
    }

    private static DataSetIterator dl4jIterator(InputSplit split) throws IOException {
        ImageRecordReader reader = new ImageRecordReader(FlowerDataSetIterator.HEIGHT, FlowerDataSetIterator.WIDTH,
                FlowerDataSetIterator.CHANNELS, new ParentPathLabelGenerator());
        reader.initialize(split);
        DataSetIterator it = new RecordReaderDataSetIterator(reader, BATCH, 1, FlowerDataSetIterator.NUM_CLASSES);
        it.setPreProcessor(new org.nd4j.linalg.dataset.api.preprocessor.VGG16ImagePreProcessor());
        return it;
    }

    private static FlowerDataSetIterator.Iterators engine(long seed, Listing listing) {
        return FlowerDataSetIterator.setup(flowers, BATCH, 80, seed, ChannelOrder.BGR, new VGG16ImagePreProcessor(), 2, 0,
                listing);
    }

    // ---- the checks -------------------------------------------------------------------------------

    @Test
    void filesystemListingGivesDl4jsTrainAndTestLists() {
        for (long seed : SEEDS) {
            InputSplit[] dl4j = dl4jSplit(seed);
            try (FlowerDataSetIterator.Iterators its = engine(seed, Listing.FILESYSTEM)) {
                ImageFolderSplit.Result split = its.split();
                assertEquals(3670, split.filesFound());
                assertEquals(paths(dl4j[0]), split.train(), "train list, seed " + seed);
                assertEquals(paths(dl4j[1]), split.test(), "test list, seed " + seed);
            }
        }
    }

    @Test
    void sortedListingGivesDl4jsSamplingOfTheSortedListing() throws IOException {
        for (long seed : SEEDS) {
            InputSplit[] dl4j = dl4jSplitOfSortedListing(seed);
            try (FlowerDataSetIterator.Iterators its = engine(seed, Listing.SORTED)) {
                ImageFolderSplit.Result split = its.split();
                assertEquals(paths(dl4j[0]), split.train(), "train list, seed " + seed);
                assertEquals(paths(dl4j[1]), split.test(), "test list, seed " + seed);
                if (seed == 12345) {
                    // The README's numbers: 2532 training and 633 test photos, 633 per class.
                    assertEquals(2532, split.train().size());
                    assertEquals(633, split.test().size());
                    assertEquals(633, split.perClass());
                }
                // The two listings give different photos in each part (same sizes, same balance).
                List<Path> dl4jOwn = paths(dl4jSplit(seed)[1]);
                assertEquals(dl4jOwn.size(), split.test().size());
                assertNotEquals(dl4jOwn, split.test());
                Set<Path> common = new HashSet<>(dl4jOwn);
                common.retainAll(split.test());
                System.out.printf("seed %d: the sorted listing's test part shares %d of %d photos with DL4J's own "
                        + "(directory-order) split on this machine%n", seed, common.size(), dl4jOwn.size());
            }
        }
    }

    @Test
    void firstBatchesAreDl4jsPixelsAndLabels() throws IOException {
        long seed = SEEDS[0];
        InputSplit[] dl4j = dl4jSplit(seed);
        try (FlowerDataSetIterator.Iterators its = engine(seed, Listing.FILESYSTEM)) {
            assertBatchEquals(dl4jIterator(dl4j[0]), its.train(), "train, directory order");
            assertBatchEquals(dl4jIterator(dl4j[1]), its.test(), "test, directory order");
        }
        InputSplit[] sorted = dl4jSplitOfSortedListing(seed);
        try (FlowerDataSetIterator.Iterators its = engine(seed, Listing.SORTED)) {
            assertBatchEquals(dl4jIterator(sorted[0]), its.train(), "train, sorted");
        }
    }

    /**
     * Every photo of the archive through DL4J's NativeImageLoader(224, 224, 3) and the engine's:
     * 25 to 80 s on 2 cores, so only when asked ({@code -Ddl4jbridge.compat.allPhotos=true}); the
     * README quotes its result.
     */
    @Test
    void everyPhotoDecodesToDl4jsPixels() throws IOException {
        assumeTrue(Boolean.getBoolean("dl4jbridge.compat.allPhotos"), "set -Ddl4jbridge.compat.allPhotos=true to run");
        org.datavec.image.loader.NativeImageLoader dl4j = new org.datavec.image.loader.NativeImageLoader(224, 224, 3);
        org.dl4jbridge.datasets.NativeImageLoader engine = new org.dl4jbridge.datasets.NativeImageLoader(224, 224, 3);
        List<Path> photos = ImageFolderSplit.listImages(flowers);
        List<String> differing = new ArrayList<>();
        double worst = 0;
        for (Path p : photos) {
            float[] x = dl4j.asMatrix(p.toFile()).data().asFloat();
            float[] y = engine.asMatrix(p).toFloatArray();
            double max = 0;
            for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
            if (max > 0) differing.add(flowers.relativize(p) + " (max " + max + ")");
            worst = Math.max(worst, max);
        }
        System.out.printf("%d photos, %d differ from DL4J's pixels, worst |difference| %.1f%n", photos.size(),
                differing.size(), worst);
        assertEquals(List.of(), differing);
    }

    private static void assertBatchEquals(DataSetIterator dl4jIt, org.dl4jbridge.datasets.DataSetIterator engineIt,
                                          String what) {
        assertEquals(List.of("daisy", "dandelion", "roses", "sunflowers", "tulips"), dl4jIt.getLabels(), what);
        DataSet d = dl4jIt.next();
        org.dl4jbridge.datasets.DataSet e = engineIt.next();
        assertArrayEquals(d.getFeatures().shape(), Arrays.stream(e.getFeatures().shape()).asLongStream().toArray(), what);
        assertArrayEquals(d.getLabels().ravel().toFloatVector(), e.getLabels().toFloatArray(), 0f, what + ": labels");
        float[] x = d.getFeatures().ravel().toFloatVector();
        float[] y = e.getFeatures().toFloatArray();
        assertEquals(x.length, y.length);
        double maxDiff = 0;
        int differing = 0;
        for (int i = 0; i < x.length; i++) {
            double diff = Math.abs(x[i] - y[i]);
            if (diff > 0) differing++;
            maxDiff = Math.max(maxDiff, diff);
        }
        System.out.printf("first %s batch: %d values, max |DL4J - engine| = %.3g, %d values differ%n", what, x.length,
                maxDiff, differing);
        assertTrue(maxDiff <= 1e-5, what + ": max |DL4J - engine| = " + maxDiff + " over " + differing + " values");
    }
}
