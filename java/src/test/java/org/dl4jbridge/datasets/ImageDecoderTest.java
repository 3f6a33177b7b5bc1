package org.dl4jbridge.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
    @TempDir Path tmp;

    private static int[] pixel(DecodedImage img, int x, int y) {
        int o = (y * img.width() + x) * 3;
        return new int[] {img.rgb()[o] & 0xff, img.rgb()[o + 1] & 0xff, img.rgb()[o + 2] & 0xff};
    }

    @Test
    void rgbPngIsExact() throws Exception {
        BufferedImage img = new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) for (int x = 0; x < 5; x++) img.setRGB(x, y, (x * 40) << 16 | (y * 70) << 8 | (x + y));
        Path f = TestImages.write(img, tmp.resolve("a.png"));
        DecodedImage d = ImageDecoder.decode(Files.readAllBytes(f), "a.png");
        assertEquals(5, d.width());
        assertEquals(3, d.height());
        for (int y = 0; y < 3; y++) for (int x = 0; x < 5; x++) {
            assertEquals(x * 40, pixel(d, x, y)[0]);
            assertEquals(y * 70, pixel(d, x, y)[1]);
            assertEquals(x + y, pixel(d, x, y)[2]);
        }
    }

    /** Grey samples are replicated as stored; getRGB would convert linear grey to sRGB (77 -> about 150). */
    @Test
    void greyIsReplicatedWithoutColourConversion() throws Exception {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = img.getRaster();
        for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) r.setSample(x, y, 0, 77);
        for (String name : new String[] {"g.png", "g.jpg"}) {
            Path f = TestImages.write(img, tmp.resolve(name));
            DecodedImage d = ImageDecoder.decode(Files.readAllBytes(f), name);
            int[] p = pixel(d, 2, 2);
            assertEquals(p[0], p[1]);
            assertEquals(p[1], p[2]);
            assertTrue(Math.abs(p[0] - 77) <= 1, name + ": " + p[0]);
        }
    }

    @Test
    void alphaIsDroppedNotComposited() throws Exception {
        BufferedImage img = new BufferedImage(3, 3, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 3; y++) for (int x = 0; x < 3; x++) img.setRGB(x, y, 0x10_C8_64_32); // alpha 16
        DecodedImage d = ImageDecoder.decode(Files.readAllBytes(TestImages.write(img, tmp.resolve("t.png"))), "t.png");
        assertEquals(200, pixel(d, 1, 1)[0]);
        assertEquals(100, pixel(d, 1, 1)[1]);
        assertEquals(50, pixel(d, 1, 1)[2]);
    }

    @Test
    void sixteenBitGreyKeepsHighByte() throws Exception {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 2; y++) for (int x = 0; x < 2; x++) img.getRaster().setSample(x, y, 0, 0xAB12);
        DecodedImage d = ImageDecoder.decode(Files.readAllBytes(TestImages.write(img, tmp.resolve("s.png"))), "s.png");
        assertEquals(0xAB, pixel(d, 0, 0)[0]);
        assertEquals(0xAB, pixel(d, 1, 1)[2]);
    }

    @Test
    void paletteImageIsExpanded() throws Exception {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED);
        img.setRGB(1, 1, 0xFF0000);
        DecodedImage d = ImageDecoder.decode(Files.readAllBytes(TestImages.write(img, tmp.resolve("p.png"))), "p.png");
        assertEquals(255, pixel(d, 1, 1)[0]);
        assertEquals(0, pixel(d, 1, 1)[1]);
    }

    /** ImageIO refuses to convert 4-channel JPEGs; the raw-raster path applies OpenCV's CMYK formula. */
    @Test
    void cmykJpegIsConverted() throws Exception {
        BufferedImage holder = new BufferedImage(16, 16, BufferedImage.TYPE_4BYTE_ABGR);
        WritableRaster cmyk = holder.getRaster().createCompatibleWritableRaster(16, 16);
        int[] value = {200, 100, 50, 255};
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) cmyk.setPixel(x, y, value);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            w.setOutput(out);
            w.write(null, new IIOImage(cmyk, null, null), null);
        }
        DecodedImage d = ImageDecoder.decode(bytes.toByteArray(), "cmyk.jpg");
        int[] p = pixel(d, 8, 8);
        // k - ((255 - c) * k >> 8) with k = 255: 200 -> 201, 100 -> 101, 50 -> 51 (JPEG may move a level)
        assertTrue(Math.abs(p[0] - 201) <= 2 && Math.abs(p[1] - 101) <= 2 && Math.abs(p[2] - 51) <= 2,
                "got " + p[0] + "," + p[1] + "," + p[2]);
    }

    @Test
    void corruptBytesRaiseUnreadableImage() throws Exception {
        byte[] jpeg = Files.readAllBytes(TestImages.solid(tmp.resolve("x.jpg"), 32, 32, 1, 2, 3));
        byte[] truncated = java.util.Arrays.copyOf(jpeg, 20);
        UnreadableImageException e = assertThrows(UnreadableImageException.class, () -> ImageDecoder.decode(truncated, "x.jpg"));
        assertTrue(e.getMessage().contains("x.jpg"));
        assertThrows(UnreadableImageException.class, () -> ImageDecoder.decode("not an image".getBytes(), "t.jpg"));
    }
}
