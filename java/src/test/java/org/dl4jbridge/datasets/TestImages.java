package org.dl4jbridge.datasets;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes small synthetic images with ImageIO for the dataset tests. */
final class TestImages {
    private TestImages() {}

    /** A solid-colour RGB image; PNG keeps the colour exactly. */
    static Path solid(Path file, int w, int h, int r, int g, int b) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int rgb = (r << 16) | (g << 8) | b;
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
        return write(img, file);
    }

    static Path write(BufferedImage img, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        String name = file.getFileName().toString().toLowerCase();
        String format = name.endsWith(".png") ? "png" : name.endsWith(".bmp") ? "bmp" : "jpeg";
        if (!ImageIO.write(img, format, file.toFile())) throw new IOException("no ImageIO writer for " + format);
        return file;
    }
}
