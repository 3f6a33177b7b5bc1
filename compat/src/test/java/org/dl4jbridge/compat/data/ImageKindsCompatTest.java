package org.dl4jbridge.compat.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The photos a user brings besides the flower set's ordinary colour JPEGs: grey, palette, alpha,
 * 16-bit, BMP and CMYK files, each read at 224x224x3 (BGR) by DL4J 1.0.0-M2.1's NativeImageLoader
 * (OpenCV) and by the engine's: identical, except 16-bit files, where DL4J keeps the 16-bit values and
 * the engine deliberately their high byte (README, "The flower data as DL4J reads it"). Pictures are smooth gradients with noise, written by ImageIO, some
 * smaller than 224 (upscaling), some larger (downscaling), one exactly 448 (OpenCV's 2x box path).
 */
class ImageKindsCompatTest {
    @TempDir Path tmp;

    @ParameterizedTest(name = "{0} {1}x{2}")
    @CsvSource({
        "rgb-jpeg, 300, 200", "rgb-jpeg, 448, 448", "rgb-jpeg, 57, 91",
        "grey-jpeg, 300, 200", "grey-png, 250, 180", "rgb-png, 97, 131",
        "rgba-png, 300, 200", "palette-png, 120, 300", "grey16-png, 260, 240", "grey16-png, 224, 224",
        "rgb-bmp, 230, 225", "cmyk-jpeg, 320, 240",
        "exif2-jpeg, 300, 200", "exif3-jpeg, 300, 200", "exif4-jpeg, 300, 200", "exif5-jpeg, 300, 200",
        "exif6-jpeg, 300, 200", "exif7-jpeg, 260, 200", "exif8-jpeg, 260, 200", "exif6-jpeg, 448, 224"})
    void pixelsAreDl4js(String kind, int w, int h) throws Exception {
        Path file = write(kind, w, h);
        float[] dl4j = new org.datavec.image.loader.NativeImageLoader(224, 224, 3).asMatrix(file.toFile()).data().asFloat();
        float[] engine = new org.dl4jbridge.datasets.NativeImageLoader(224, 224, 3).asMatrix(file).toFloatArray();
        assertArrayEquals(new int[] {dl4j.length}, new int[] {engine.length});
        float max = 0;
        int differing = 0;
        for (int i = 0; i < dl4j.length; i++) {
            float d = Math.abs(dl4j[i] - engine[i]);
            if (d > 0) differing++;
            max = Math.max(max, d);
        }
        if (kind.startsWith("grey16")) {
            // Deliberate difference (README): DL4J keeps 16-bit samples (0..65535, OpenCV's IMREAD_ANYDEPTH),
            // the engine their high byte, on the 0..255 scale every pre-processor expects.
            double worst = 0;
            for (int i = 0; i < dl4j.length; i++) worst = Math.max(worst, Math.abs(dl4j[i] / 256.0 - engine[i]));
            System.out.printf("%-12s %dx%d: DL4J max %.0f, max |DL4J / 256 - engine| %.3f%n", kind, w, h, max(dl4j), worst);
            assertTrue(max(dl4j) > 255, "DL4J's 16-bit values");
            assertTrue(worst < (w == 224 && h == 224 ? 1.0 : 2.0), "engine = DL4J / 256 (high byte), off by " + worst);
            return;
        }
        System.out.printf("%-12s %dx%d: max |DL4J - engine| %.0f, %d of %d values differ%n", kind, w, h, max, differing,
                dl4j.length);
        assertTrue(max == 0, kind + ": max |DL4J - engine| = " + max + ", " + differing + " values differ");
    }

    private Path write(String kind, int w, int h) throws IOException {
        Random r = new Random(kind.hashCode() * 31L + w);
        switch (kind) {
            case "rgb-jpeg", "rgb-png", "rgb-bmp" -> {
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
                fill(img.getRaster(), 3, 255, r);
                return save(img, kind.endsWith("jpeg") ? "jpeg" : kind.substring(4), kind);
            }
            case "grey-jpeg", "grey-png" -> {
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
                fill(img.getRaster(), 1, 255, r);
                return save(img, kind.endsWith("jpeg") ? "jpeg" : "png", kind);
            }
            case "rgba-png" -> {
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_4BYTE_ABGR);
                fill(img.getRaster(), 4, 255, r);
                return save(img, "png", kind);
            }
            case "grey16-png" -> {
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
                fill(img.getRaster(), 1, 65535, r);
                return save(img, "png", kind);
            }
            case "palette-png" -> {
                byte[] red = new byte[256], green = new byte[256], blue = new byte[256];
                for (int i = 0; i < 256; i++) {
                    red[i] = (byte) i;
                    green[i] = (byte) (255 - i);
                    blue[i] = (byte) (i * 7);
                }
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED,
                        new IndexColorModel(8, 256, red, green, blue));
                fill(img.getRaster(), 1, 255, r);
                return save(img, "png", kind);
            }
            case "cmyk-jpeg" -> {
                // ImageIO writes a 4-band raster as an Adobe-marked CMYK JPEG (no colour transform).
                BufferedImage holder = new BufferedImage(1, 1, BufferedImage.TYPE_4BYTE_ABGR);
                WritableRaster cmyk = holder.getRaster().createCompatibleWritableRaster(w, h);
                fill(cmyk, 4, 255, r);
                Path file = tmp.resolve(kind + ".jpg");
                ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
                try (OutputStream os = Files.newOutputStream(file); ImageOutputStream out = ImageIO.createImageOutputStream(os)) {
                    writer.setOutput(out);
                    writer.write(null, new IIOImage(cmyk, null, null), null);
                } finally {
                    writer.dispose();
                }
                return file;
            }
            case "exif2-jpeg", "exif3-jpeg", "exif4-jpeg", "exif5-jpeg", "exif6-jpeg", "exif7-jpeg", "exif8-jpeg" -> {
                // A camera photo: pixels stored sideways plus an EXIF Orientation tag (3, 6 or 8).
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
                fill(img.getRaster(), 3, 255, r);
                Path plain = save(img, "jpeg", kind + "-plain");
                byte[] jpeg = Files.readAllBytes(plain);
                byte[] app1 = exifOrientation(kind.charAt(4) - '0');
                byte[] out = new byte[jpeg.length + app1.length];
                System.arraycopy(jpeg, 0, out, 0, 2);                       // SOI
                System.arraycopy(app1, 0, out, 2, app1.length);
                System.arraycopy(jpeg, 2, out, 2 + app1.length, jpeg.length - 2);
                return Files.write(tmp.resolve(kind + ".jpg"), out);
            }
            default -> throw new IllegalArgumentException(kind);
        }
    }

    /** An APP1 segment holding a big-endian TIFF header and one IFD with the Orientation tag. */
    private static byte[] exifOrientation(int orientation) {
        byte[] tiff = {
            'M', 'M', 0, 42, 0, 0, 0, 8,                     // header, IFD0 at offset 8
            0, 1,                                            // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0,   // Orientation, SHORT, 1 value
            0, 0, 0, 0};                                     // no next IFD
        int len = 2 + 6 + tiff.length;
        byte[] seg = new byte[2 + len];
        seg[0] = (byte) 0xFF;
        seg[1] = (byte) 0xE1;
        seg[2] = (byte) (len >> 8);
        seg[3] = (byte) len;
        byte[] exif = {'E', 'x', 'i', 'f', 0, 0};
        System.arraycopy(exif, 0, seg, 4, 6);
        System.arraycopy(tiff, 0, seg, 10, tiff.length);
        return seg;
    }

    /** Diagonal gradients per band plus noise: smooth areas and edges, all levels used. */
    private static void fill(WritableRaster raster, int bands, int max, Random r) {
        int w = raster.getWidth(), h = raster.getHeight();
        int[] px = new int[bands];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int b = 0; b < bands; b++) {
                    double v = ((x * (b + 1) + y * (3 - b % 3)) % (w + h)) / (double) (w + h) + 0.15 * r.nextGaussian();
                    px[b] = (int) Math.max(0, Math.min(max, Math.round(v * max)));
                }
                if (bands == 4 && raster.getNumBands() == 4 && max == 255 && px[3] < 40) px[3] = 40;
                raster.setPixel(x, y, px);
            }
        }
    }

    private Path save(BufferedImage img, String format, String kind) throws IOException {
        Path file = tmp.resolve(kind + "." + (format.equals("jpeg") ? "jpg" : format));
        if (!ImageIO.write(img, format, file.toFile())) throw new IOException("no ImageIO writer for " + format);
        return file;
    }

    private static float max(float[] a) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : a) m = Math.max(m, v);
        return m;
    }
}
