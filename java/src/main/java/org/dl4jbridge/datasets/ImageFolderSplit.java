package org.dl4jbridge.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * DL4J's train/test split of an image folder as the flower lesson makes it (DL4J_SPEC 8.3):
 * {@code FileSplit(root, ALLOWED_FORMATS, rng)} then {@code BalancedPathFilter} and
 * {@code sample(filter, trainPercent, 100 - trainPercent)}, with one change by default: DL4J lists
 * files in the order the filesystem returns them (directory order: on ext4 a hash order that differs
 * between machines and copies of the same folder), so its split of the same photos with the same seed
 * differs between machines; here ({@link Listing#SORTED}) every folder's entries are sorted by name
 * (String order) before the same seeded steps, which makes the split the same on every filesystem.
 * {@link Listing#FILESYSTEM} keeps the directory order instead and then gives exactly the file lists
 * DL4J 1.0.0-M2.1 gives on the same machine (compat's FlowerSplitCompatTest checks both).
 * The steps, all drawing from one {@code java.util.Random(seed)}:
 * <ol>
 *   <li>list files breadth-first (a folder's files, in listing order, before those of its sub-folders,
 *       which are queued in listing order), keeping names that end with an allowed extension
 *       (case-sensitive);</li>
 *   <li>FileSplit's own Fisher-Yates pass over an index array: n - 1 draws that change nothing in
 *       the listing but advance the generator (kept so that a seed means what it means in DL4J);</li>
 *   <li>{@code Collections.shuffle(list, rng)}; group by parent folder name in order of first appearance;</li>
 *   <li>balance: take round-robin over the groups up to the size of the smallest group, so every
 *       class contributes minCount files (3 165 of the 3 670 flower photos);</li>
 *   <li>the first {@code Math.round(trainPercent / 100 * N)} files train, the rest test, in that order.</li>
 * </ol>
 * Labels are the parent folder names sorted in String order (DL4J's ImageRecordReader), the same
 * list for both parts.
 */
public final class ImageFolderSplit {
    /** DL4J's BaseImageLoader.ALLOWED_FORMATS, in its order. */
    public static final List<String> ALLOWED_FORMATS = List.of("tif", "jpg", "png", "jpeg", "bmp", "JPEG", "JPG", "TIF", "PNG");

    /** The order a folder's entries are listed in, before the seeded shuffles. */
    public enum Listing {
        /** By name, String order: the same split on every machine (the default). */
        SORTED,
        /** As the filesystem returns them (DL4J's FileSplit): DL4J's split on this machine, which may differ on another. */
        FILESYSTEM
    }

    public record Result(List<Path> train, List<Path> test, List<String> labels, int filesFound, int perClass) {
        /** Examples per label in {@code part}, in label order. */
        public int[] classCounts(List<Path> part) {
            int[] counts = new int[labels.size()];
            for (Path p : part) counts[labels.indexOf(labelOf(p))]++;
            return counts;
        }
    }

    private ImageFolderSplit() {}

    public static Result split(Path root, int trainPercent, long seed) {
        return split(root, trainPercent, seed, Listing.SORTED);
    }

    public static Result split(Path root, int trainPercent, long seed, Listing listing) {
        if (trainPercent <= 0 || trainPercent >= 100) {
            throw new IllegalArgumentException("trainPercent = " + trainPercent + " must be between 1 and 99 (the lesson uses 80)");
        }
        List<Path> files = listImages(root, listing);
        Random rng = new Random(seed);
        for (int i = files.size() - 1; i > 0; i--) rng.nextInt(i + 1); // FileSplit's index shuffle (see class doc)

        List<Path> shuffled = new ArrayList<>(files);
        Collections.shuffle(shuffled, rng);
        Map<String, List<Path>> groups = new LinkedHashMap<>();
        for (Path p : shuffled) {
            if (hasAllowedExtension(p.toString(), true)) groups.computeIfAbsent(labelOf(p), k -> new ArrayList<>()).add(p);
        }
        int minCount = groups.values().stream().mapToInt(List::size).min().orElse(0);
        List<Path> balanced = new ArrayList<>(minCount * groups.size());
        for (int i = 0; i < minCount; i++) {
            for (List<Path> g : groups.values()) balanced.add(g.get(i));
        }
        int trainCount = (int) Math.round((double) trainPercent / 100 * balanced.size());
        List<String> labels = new ArrayList<>(new TreeSet<>(groups.keySet()));
        return new Result(List.copyOf(balanced.subList(0, trainCount)), List.copyOf(balanced.subList(trainCount, balanced.size())),
                List.copyOf(labels), files.size(), minCount);
    }

    /** The label of an image: its parent folder's name (DL4J's ParentPathLabelGenerator). */
    public static String labelOf(Path p) {
        Path parent = p.getParent();
        return parent == null || parent.getFileName() == null ? "" : parent.getFileName().toString();
    }

    /**
     * Image files under {@code root}, breadth-first, each folder's entries in String order. Refuses a
     * root that is not a folder, a tree without images, and class folders without images (a class
     * that would silently vanish from the labels).
     */
    public static List<Path> listImages(Path root) {
        return listImages(root, Listing.SORTED);
    }

    /** {@link #listImages(Path)} with each folder's entries in the given order. */
    public static List<Path> listImages(Path root, Listing listing) {
        if (listing == null) throw new IllegalArgumentException("listing is null: pass Listing.SORTED or Listing.FILESYSTEM");
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("image folder " + root + " does not exist or is not a directory; pass the folder "
                    + "holding one sub-folder per class (for the flowers: .../flower_photos)");
        }
        List<Path> out = new ArrayList<>();
        List<Path> emptyClasses = new ArrayList<>();
        Deque<Path> queue = new ArrayDeque<>();
        queue.add(root);
        while (!queue.isEmpty()) {
            Path dir = queue.poll();
            List<Path> entries = entries(dir, listing);
            int images = 0;
            for (Path e : entries) {
                if (Files.isDirectory(e)) {
                    queue.add(e);
                } else if (hasAllowedExtension(e.getFileName().toString(), false)) {
                    out.add(e);
                    images++;
                }
            }
            if (images == 0 && dir.getParent() != null && dir.getParent().equals(root)
                    && entries.stream().noneMatch(Files::isDirectory)) {
                emptyClasses.add(dir);
            }
        }
        if (!emptyClasses.isEmpty()) {
            throw new IllegalArgumentException("class folder(s) without images: " + emptyClasses + " (images are files ending in "
                    + ALLOWED_FORMATS + "); add images or remove the folder(s)");
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no images under " + root + " (files ending in " + ALLOWED_FORMATS + ")");
        }
        return out;
    }

    private static List<Path> entries(Path dir, Listing listing) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> entries = new ArrayList<>(s.toList());
            if (listing == Listing.SORTED) entries.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
            return entries;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** FileSplit matches the bare suffix ("jpg"); BalancedPathFilter matches "." + suffix. */
    private static boolean hasAllowedExtension(String name, boolean withDot) {
        for (String ext : ALLOWED_FORMATS) {
            if (name.endsWith(withDot ? "." + ext : ext)) return true;
        }
        return false;
    }
}
