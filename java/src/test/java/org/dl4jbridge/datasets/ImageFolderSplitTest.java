package org.dl4jbridge.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.dl4jbridge.testutil.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DL4J's balanced split against an independent Python implementation of DL4J_SPEC 8.3
 * (tests/reference/gen_split_reference.py, which builds the same tree).
 */
class ImageFolderSplitTest {
    @TempDir Path tmp;

    /** The generator's SYNTHETIC tree (file contents do not matter to the split). */
    private static final Map<String, List<String>> TREE = Map.of(
            "gamma", List.of("g0.jpg", "g1.jpg", "g2.jpg", "g3.jpg", "g4.jpg", "g5.jpg", "g6.jpg", "g7.jpg", "g8.jpg",
                    "G_extra.PNG", "readme.txt"),
            "alpha", List.of("a00.png", "a01.png", "a02.png", "a03.png", "a04.png", "a05.png", "a06.png"),
            "beta", List.of("b3.jpeg", "b1.jpg", "b0.jpg", "b2.JPG", "b4.bmp", "notes.md"));

    private Path makeTree(long creationOrderSeed) throws Exception {
        Path root = tmp.resolve("tree" + creationOrderSeed);
        List<Path> all = new ArrayList<>();
        TREE.forEach((cls, names) -> names.forEach(n -> all.add(root.resolve(cls).resolve(n))));
        Collections.shuffle(all, new Random(creationOrderSeed)); // creation order must not matter
        for (Path p : all) {
            Files.createDirectories(p.getParent());
            Files.write(p, new byte[] {1});
        }
        Files.writeString(root.resolve("LICENSE.txt"), "x");
        return root;
    }

    private static int[] indices(List<Path> part, List<Path> listing) {
        return part.stream().mapToInt(listing::indexOf).toArray();
    }

    @Test
    void matchesReferenceSplit() throws Exception {
        Map<String, Npz.Array> ref = Npz.read(Path.of(getClass().getResource("/reference/balanced_split.npz").toURI()));
        for (long order : new long[] {1, 2}) {
            Path root = makeTree(order);
            List<Path> listing = ImageFolderSplit.listImages(root);
            assertEquals(22, listing.size()); // 10 + 7 + 5 images; txt, md and LICENSE filtered out
            for (int seed : new int[] {12345, 13}) {
                ImageFolderSplit.Result r = ImageFolderSplit.split(root, 80, seed);
                assertEquals(List.of("alpha", "beta", "gamma"), r.labels());
                assertEquals(5, r.perClass());
                assertEquals(12, r.train().size());
                assertEquals(3, r.test().size());
                assertArrayEquals(ints(ref.get("synthetic_seed" + seed + "_train")), indices(r.train(), listing), "train, seed " + seed);
                assertArrayEquals(ints(ref.get("synthetic_seed" + seed + "_test")), indices(r.test(), listing), "test, seed " + seed);
            }
        }
    }

    /** Listing.FILESYSTEM (DL4J's directory order, checked against DL4J in compat): same files, same seeded steps. */
    @Test
    void filesystemListingKeepsDirectoryOrder() throws Exception {
        Path root = makeTree(4);
        List<Path> sorted = ImageFolderSplit.listImages(root);
        List<Path> fs = ImageFolderSplit.listImages(root, ImageFolderSplit.Listing.FILESYSTEM);
        assertEquals(new java.util.HashSet<>(sorted), new java.util.HashSet<>(fs));
        List<Path> expected = new ArrayList<>();
        try (var classes = Files.list(root)) {
            for (Path dir : classes.filter(Files::isDirectory).toList()) {
                try (var files = Files.list(dir)) {
                    files.filter(p -> !p.toString().endsWith(".txt") && !p.toString().endsWith(".md")).forEach(expected::add);
                }
            }
        }
        assertEquals(expected, fs);
        ImageFolderSplit.Result a = ImageFolderSplit.split(root, 80, 7, ImageFolderSplit.Listing.FILESYSTEM);
        ImageFolderSplit.Result b = ImageFolderSplit.split(root, 80, 7, ImageFolderSplit.Listing.FILESYSTEM);
        assertEquals(a.train(), b.train());
        assertEquals(List.of("alpha", "beta", "gamma"), a.labels());
        assertEquals(12, a.train().size());
    }

    @Test
    void listingIsBreadthFirstAndSorted() throws Exception {
        Path root = makeTree(3);
        List<String> names = ImageFolderSplit.listImages(root).stream()
                .map(p -> root.relativize(p).toString().replace('\\', '/')).toList();
        assertEquals("alpha/a00.png", names.get(0));
        assertEquals("beta/b0.jpg", names.get(7));
        assertEquals("gamma/G_extra.PNG", names.get(12)); // String order: upper case first
        assertTrue(names.contains("beta/b2.JPG") && names.contains("beta/b4.bmp"));
        assertTrue(names.stream().noneMatch(n -> n.endsWith(".txt") || n.endsWith(".md")));
    }

    @Test
    void badInputIsRefusedWithClearErrors() throws Exception {
        Path root = makeTree(4);
        Files.createDirectories(root.resolve("empty_class"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolderSplit.split(root, 80, 1));
        assertTrue(e.getMessage().contains("empty_class"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageFolderSplit.split(tmp.resolve("missing"), 80, 1));
        assertTrue(e.getMessage().contains("missing"));
        Path noImages = Files.createDirectories(tmp.resolve("none"));
        Files.writeString(noImages.resolve("a.txt"), "x");
        assertThrows(IllegalArgumentException.class, () -> ImageFolderSplit.split(noImages, 80, 1));
        e = assertThrows(IllegalArgumentException.class, () -> ImageFolderSplit.split(makeTree(5), 100, 1));
        assertTrue(e.getMessage().contains("trainPercent"));
    }

    private static int[] ints(Npz.Array a) {
        int[] out = new int[a.length()];
        for (int i = 0; i < out.length; i++) out[i] = (int) a.data()[i];
        return out;
    }
}
