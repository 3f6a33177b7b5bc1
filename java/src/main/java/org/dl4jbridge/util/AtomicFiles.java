package org.dl4jbridge.util;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;

/**
 * Writes a file so that readers see either the old content or the complete new content, never a
 * half-written file: the bytes go to a temporary file in the same directory, are forced to disk,
 * and the temporary file is then renamed over the target.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the body of a file; may throw, in which case the target is left as it was. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new java.nio.file.NoSuchFileException(String.valueOf(dir), null,
                    "cannot write " + target + ": its directory does not exist");
        }
        if (Files.isDirectory(abs)) throw new IOException("cannot write " + target + ": it is a directory");
        Path tmp = newTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            keepPermissions(abs, tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                body.writeTo(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            syncDirectory(dir);
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    /**
     * Temporary files are created owner-only (0600); the saved file should instead be as readable
     * as the file it replaces, or rw-r--r-- when new, like a file written in place.
     */
    /** A replaced file keeps its permissions; a new one has the usual ones (0666 under the umask, from newTempFile). */
    private static void keepPermissions(Path target, Path tmp) throws IOException {
        if (!Files.exists(target) || !Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) return;
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));
    }

    /**
     * A new empty file in {@code dir} with a unique name and the permissions any program's new file
     * gets (0666 under the process's umask, usually 0644). {@code Files.createTempFile} would make it
     * 0600, and the renamed result (a model zip, cached features, downloaded weights) unreadable to
     * the rest of a team.
     */
    public static Path newTempFile(Path dir, String prefix, String suffix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve(prefix + Long.toUnsignedString(RANDOM.nextLong(), 36) + suffix);
            try {
                return Files.createFile(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** Makes the rename itself durable where the platform allows it (Linux does; Windows cannot). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Not every file system lets a directory be opened or forced; the data itself is on disk.
        }
    }
}
