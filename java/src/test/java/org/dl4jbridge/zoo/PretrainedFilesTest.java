package org.dl4jbridge.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Adler32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedFilesTest {
    @TempDir Path dir;

    @AfterEach
    void reset() {
        System.clearProperty(PretrainedFiles.OFFLINE_PROPERTY);
        DL4JResources.setBaseDownloadURL(null);
        DL4JResources.resetBaseDirectoryLocation();
    }

    private static long adler(byte[] b) {
        Adler32 a = new Adler32();
        a.update(b);
        return a.getValue();
    }

    private Path mirrorFile(byte[] content) throws IOException {
        Path m = Files.createDirectories(dir.resolve("mirror/models"));
        return Files.write(m.resolve("thing.zip"), content);
    }

    @Test
    void downloadsFromAFileMirrorIntoTheCacheAndReusesIt() throws IOException {
        byte[] content = "pretend weights".getBytes();
        Path src = mirrorFile(content);
        Path dest = dir.resolve("cache/models/thing/thing.zip");
        Path got = PretrainedFiles.ensure(src.toUri().toString(), dest, adler(content));
        assertEquals(dest, got);
        assertArrayEquals(content, Files.readAllBytes(dest));
        Files.delete(src);   // a second call must not need the mirror
        assertEquals(dest, PretrainedFiles.ensure(src.toUri().toString(), dest, adler(content)));
    }

    @Test
    void wrongChecksumKeepsTheDownloadAsideAndLeavesTheCachePathEmpty() throws IOException {
        Path src = mirrorFile("served by a wrong mirror".getBytes());
        Path dest = dir.resolve("cache/thing.zip");
        var e = assertThrows(ZooDownloadException.class, () -> PretrainedFiles.ensure(src.toUri().toString(), dest, 12345L));
        assertEquals(ZooDownloadException.Reason.CHECKSUM_MISMATCH, e.reason());
        assertFalse(Files.exists(dest));
        assertTrue(Files.isRegularFile(dir.resolve("cache/thing.zip.bad")));
        assertTrue(e.getMessage().contains("thing.zip.bad") && e.getMessage().contains("12345"), e.getMessage());
        try (var files = Files.list(dir.resolve("cache"))) {
            assertEquals(1, files.count(), "no temporary file may remain");
        }
    }

    @Test
    void damagedCachedFileIsSetAsideAndFetchedAgain() throws IOException {
        byte[] content = "good bytes".getBytes();
        Path src = mirrorFile(content);
        Path dest = Files.createDirectories(dir.resolve("cache")).resolve("thing.zip");
        Files.writeString(dest, "half a fil");
        PretrainedFiles.ensure(src.toUri().toString(), dest, adler(content));
        assertArrayEquals(content, Files.readAllBytes(dest));
        assertEquals("half a fil", Files.readString(dir.resolve("cache/thing.zip.bad")));
    }

    @Test
    void unreachableUrlNamesUrlCachePathChecksumAndTheManualFix() {
        String url = dir.resolve("nowhere/thing.zip").toUri().toString();
        Path dest = dir.resolve("cache/thing.zip");
        var e = assertThrows(ZooDownloadException.class, () -> PretrainedFiles.ensure(url, dest, 3501732770L));
        assertEquals(ZooDownloadException.Reason.UNREACHABLE, e.reason());
        for (String part : new String[] {url, dest.toString(), "3501732770", "by hand"}) {
            assertTrue(e.getMessage().contains(part), "message lacks " + part + ": " + e.getMessage());
        }
        assertEquals(url, e.url());
        assertEquals(dest, e.cachePath());
        assertEquals(3501732770L, e.expectedAdler32());
    }

    @Test
    void offlineModeNeverOpensTheUrl() throws IOException {
        byte[] content = "x".getBytes();
        Path src = mirrorFile(content);
        System.setProperty(PretrainedFiles.OFFLINE_PROPERTY, "true");
        var e = assertThrows(ZooDownloadException.class,
                () -> PretrainedFiles.ensure(src.toUri().toString(), dir.resolve("c/thing.zip"), adler(content)));
        assertEquals(ZooDownloadException.Reason.OFFLINE, e.reason());
    }

    @Test
    void resourcesFollowDl4jPropertiesAndSetters() {
        assertEquals(DL4JResources.DEFAULT_BASE_URL + "models/vgg16_dl4j_inference.zip",
                DL4JResources.getURLString("models/vgg16_dl4j_inference.zip"));
        System.setProperty(DL4JResources.BASE_URL_PROPERTY, "file:///srv/mirror");
        System.setProperty(DL4JResources.DIRECTORY_PROPERTY, dir.toString());
        try {
            assertEquals("file:///srv/mirror/models/x.zip", DL4JResources.getURLString("models/x.zip"));
            assertEquals(dir.resolve("models/vgg16"), DL4JResources.getDirectory(ResourceType.ZOO_MODEL, "vgg16"));
            DL4JResources.setBaseDownloadURL("http://example.org/base/");
            assertEquals("http://example.org/base/models/x.zip", DL4JResources.getURLString("models/x.zip"));
        } finally {
            System.clearProperty(DL4JResources.BASE_URL_PROPERTY);
            System.clearProperty(DL4JResources.DIRECTORY_PROPERTY);
        }
        assertEquals(Path.of(System.getProperty("user.home"), ".deeplearning4j", "models", "vgg16"),
                DL4JResources.getDirectory(ResourceType.ZOO_MODEL, "vgg16"));
    }
}
