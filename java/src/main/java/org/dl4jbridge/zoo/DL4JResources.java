package org.dl4jbridge.zoo;

import java.nio.file.Path;

/**
 * DL4J's rules for where downloads come from and where they are cached (DL4J_SPEC 4.1), so that a
 * JVM team's existing cache and mirror serve this engine too:
 * <ul>
 *   <li>base URL: {@link #setBaseDownloadURL}, else the system property {@value #BASE_URL_PROPERTY},
 *   else {@value #DEFAULT_BASE_URL}. A {@code file://} URL works like any mirror;</li>
 *   <li>directory: {@link #setBaseDirectory}, else the system property {@value #DIRECTORY_PROPERTY},
 *   else {@code ~/.deeplearning4j}; zoo files go to {@code <dir>/models/<model name>/<file name>}.</li>
 * </ul>
 */
public final class DL4JResources {
    public static final String BASE_URL_PROPERTY = "org.deeplearning4j.resources.baseurl";
    public static final String DIRECTORY_PROPERTY = "org.deeplearning4j.resources.directory";
    public static final String DEFAULT_BASE_URL = "https://dl4jdata.blob.core.windows.net/";

    private static volatile String baseUrl;
    private static volatile Path baseDirectory;

    private DL4JResources() {}

    public static void setBaseDownloadURL(String url) {
        baseUrl = url == null || url.isBlank() ? null : url;
    }

    public static String getBaseDownloadURL() {
        String url = baseUrl;
        if (url == null) url = System.getProperty(BASE_URL_PROPERTY);
        if (url == null || url.isBlank()) url = DEFAULT_BASE_URL;
        return url.endsWith("/") ? url : url + "/";
    }

    /** The full URL of a file given relative to the base, e.g. "models/vgg16_dl4j_inference.zip". */
    public static String getURLString(String relativeToBase) {
        String rel = relativeToBase.startsWith("/") ? relativeToBase.substring(1) : relativeToBase;
        return getBaseDownloadURL() + rel;
    }

    public static void setBaseDirectory(Path dir) {
        baseDirectory = dir;
    }

    public static void resetBaseDirectoryLocation() {
        baseDirectory = null;
    }

    public static Path getBaseDirectory() {
        Path dir = baseDirectory;
        if (dir != null) return dir;
        String prop = System.getProperty(DIRECTORY_PROPERTY);
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        return Path.of(System.getProperty("user.home"), ".deeplearning4j");
    }

    /** {@code <base dir>/<type folder>/<name>}, e.g. ~/.deeplearning4j/models/vgg16. */
    public static Path getDirectory(ResourceType type, String name) {
        return getBaseDirectory().resolve(type.folder()).resolve(name);
    }
}
