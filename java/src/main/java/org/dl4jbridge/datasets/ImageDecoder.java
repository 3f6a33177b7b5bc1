package org.dl4jbridge.datasets;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * Decodes JPEG, PNG, BMP (and whatever else javax.imageio reads) to 8-bit RGB, the way DL4J's
 * NativeImageLoader sees pixels after OpenCV's {@code imdecode(ANYDEPTH|ANYCOLOR)} and its
 * conversion to 3 channels:
 * <ul>
 *   <li>stored samples are used as they are: embedded ICC profiles are ignored (OpenCV ignores them;
 *       {@code BufferedImage.getRGB} would convert colours and change the values);</li>
 *   <li>grey images are replicated to three channels (GRAY to BGR), alpha is dropped (no compositing),
 *       palette images are expanded;</li>
 *   <li>a JPEG's EXIF Orientation tag is applied (rotated or mirrored upright), as OpenCV does
 *       ({@link ExifOrientation});</li>
 *   <li>one deliberate difference: 16-bit samples keep their high byte (0..255, the scale every
 *       pre-processor expects), where DL4J 1.0.0-M2.1 keeps the 16-bit values (0..65535) — measured in
 *       compat's ImageKindsCompatTest;</li>
 *   <li>4-channel JPEGs (CMYK/YCCK) are converted from their stored samples (ImageIO's raw raster,
 *       not read(), which inverts them) with the integer formula OpenCV uses for CMYK.</li>
 * </ul>
 * Thread-safe: every call uses its own ImageReader.
 */
public final class ImageDecoder {
    static {
        ImageIO.setUseCache(false); // decode in memory; never write ImageIO's temp files
    }

    /**
     * One JPEG reader per decoding thread, reused and told to skip metadata: a third less time per
     * photo than looking a reader up for every file (JPEG is nearly every photo the lesson reads).
     */
    private static final ThreadLocal<ImageReader> JPEG_READER = ThreadLocal.withInitial(() -> {
        Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("jpeg");
        return it.hasNext() ? it.next() : null;
    });

    private ImageDecoder() {}

    public static DecodedImage decode(byte[] encoded, String name) throws UnreadableImageException {
        if (encoded.length > 3 && (encoded[0] & 0xff) == 0xFF && (encoded[1] & 0xff) == 0xD8) {
            DecodedImage fast = decodeJpegFast(encoded, name);
            DecodedImage img = fast != null ? fast : decodeGeneric(encoded, name);
            return ExifOrientation.apply(img, ExifOrientation.of(encoded));
        }
        return decodeGeneric(encoded, name);
    }

    /** The reused-reader path for ordinary (YCbCr or grey) JPEGs; null sends the file down the generic path. */
    private static DecodedImage decodeJpegFast(byte[] encoded, String name) {
        ImageReader reader = JPEG_READER.get();
        if (reader == null) return null;
        boolean failed = false;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            reader.setInput(in, true, true);
            BufferedImage image = reader.read(0);
            if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK) return null;
            return fromImage(image, name);
        } catch (IOException | RuntimeException e) {
            failed = true;
            return null; // the generic path decodes it again and reports the error with the reader's message
        } finally {
            if (failed) {
                JPEG_READER.remove(); // a reader that failed mid-stream is not trusted again
                reader.dispose();
            } else {
                reader.setInput(null);
            }
        }
    }

    private static DecodedImage decodeGeneric(byte[] encoded, String name) throws UnreadableImageException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new UnreadableImageException(name + ": not an image format javax.imageio can read (" + encoded.length
                        + " bytes; readable: JPEG, PNG, BMP, GIF, TIFF, WBMP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, false, false); // not seek-forward-only: CMYK files are read twice
                BufferedImage image;
                try {
                    image = reader.read(0);
                } catch (javax.imageio.IIOException unsupported) {
                    if (!reader.canReadRaster() || !isFourChannelJpeg(reader)) throw unsupported;
                    return fromCmykRaster(reader.readRaster(0, null), adobeTransform(reader));
                }
                if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK && reader.canReadRaster()) {
                    // read() inverts the samples of CMYK JPEGs; libjpeg hands OpenCV the stored ones
                    return fromCmykRaster(reader.readRaster(0, null), adobeTransform(reader));
                }
                return fromImage(image, name);
            } finally {
                reader.dispose();
            }
        } catch (UnreadableImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UnreadableImageException(name + ": cannot decode the image (" + e + ")", e);
        }
    }

    static DecodedImage fromImage(BufferedImage image, String name) throws UnreadableImageException {
        int w = image.getWidth(), h = image.getHeight();
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        byte[] out = new byte[w * h * 3];
        if (cm instanceof IndexColorModel) {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    int p = row[x];
                    out[o] = (byte) (p >> 16);
                    out[o + 1] = (byte) (p >> 8);
                    out[o + 2] = (byte) p;
                }
            }
            return new DecodedImage(w, h, out);
        }
        int colourBands = cm.getNumColorComponents();
        int spaceType = cm.getColorSpace().getType();
        if (colourBands == 3 && spaceType == ColorSpace.TYPE_RGB) {
            if (!copyInterleavedBytes(raster, out, w, h)) copySamples(raster, out, w, h, new int[] {0, 1, 2});
        } else if (colourBands == 1 && spaceType == ColorSpace.TYPE_GRAY) {
            copySamples(raster, out, w, h, new int[] {0, 0, 0});
        } else {
            throw new UnreadableImageException(name + ": unsupported colour model (" + colourBands + " colour components, "
                    + "colour space type " + spaceType + "); convert the file to RGB or grey JPEG/PNG");
        }
        return new DecodedImage(w, h, out);
    }

    /** Fast path for byte rasters with interleaved samples (ImageIO's JPEG output, TYPE_3BYTE_BGR, 4BYTE_ABGR). */
    private static boolean copyInterleavedBytes(Raster raster, byte[] out, int w, int h) {
        if (!(raster.getSampleModel() instanceof ComponentSampleModel sm) || !(raster.getDataBuffer() instanceof DataBufferByte db)
                || db.getNumBanks() != 1 || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0) {
            return false;
        }
        byte[] data = db.getData();
        int[] offsets = sm.getBandOffsets();
        int pixelStride = sm.getPixelStride(), scanline = sm.getScanlineStride(), base = db.getOffset();
        int r = offsets[0], g = offsets[1], b = offsets[2];
        for (int y = 0; y < h; y++) {
            int in = base + y * scanline, o = y * w * 3;
            for (int x = 0; x < w; x++, in += pixelStride, o += 3) {
                out[o] = data[in + r];
                out[o + 1] = data[in + g];
                out[o + 2] = data[in + b];
            }
        }
        return true;
    }

    private static void copySamples(Raster raster, byte[] out, int w, int h, int[] bandOf) {
        int shift = Math.max(0, raster.getSampleModel().getSampleSize(0) - 8);
        int[][] rows = new int[3][w];
        int x0 = raster.getMinX(), y0 = raster.getMinY();
        for (int y = 0; y < h; y++) {
            for (int c = 0; c < 3; c++) {
                if (c > 0 && bandOf[c] == bandOf[c - 1]) rows[c] = rows[c - 1];
                else raster.getSamples(x0, y0 + y, w, 1, bandOf[c], rows[c] = new int[w]);
            }
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                out[o] = (byte) (rows[0][x] >> shift);
                out[o + 1] = (byte) (rows[1][x] >> shift);
                out[o + 2] = (byte) (rows[2][x] >> shift);
            }
        }
    }

    private static boolean isFourChannelJpeg(ImageReader reader) throws IOException {
        return reader.getFormatName().equalsIgnoreCase("jpeg") && reader.getRawImageType(0) == null;
    }

    /** The Adobe APP14 transform flag: 0 = CMYK stored as is, 2 = YCCK; -1 = no Adobe marker. */
    private static int adobeTransform(ImageReader reader) throws IOException {
        IIOMetadata meta = reader.getImageMetadata(0);
        if (meta == null) return -1;
        Node adobe = find(meta.getAsTree("javax_imageio_jpeg_image_1.0"), "app14Adobe");
        if (adobe == null) return -1;
        NamedNodeMap attrs = adobe.getAttributes();
        Node t = attrs.getNamedItem("transform");
        return t == null ? -1 : Integer.parseInt(t.getNodeValue());
    }

    private static Node find(Node node, String name) {
        if (name.equals(node.getNodeName())) return node;
        for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
            Node hit = find(c, name);
            if (hit != null) return hit;
        }
        return null;
    }

    /**
     * libjpeg hands CMYK/YCCK JPEGs to OpenCV as (Adobe-inverted) CMYK; OpenCV then computes each of
     * R, G, B as {@code k - ((255 - c) * k >> 8)} from C, M, Y and K. ImageIO's raw raster holds YCCK
     * untransformed, so YCCK is first turned into CMYK with the JPEG (JFIF) YCbCr equations.
     */
    static DecodedImage fromCmykRaster(Raster raster, int adobeTransform) throws UnreadableImageException {
        if (raster.getNumBands() != 4 || raster.getTransferType() != DataBuffer.TYPE_BYTE) {
            throw new UnreadableImageException("a JPEG with " + raster.getNumBands() + " channels that is not 8-bit CMYK");
        }
        int w = raster.getWidth(), h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] px = new int[4 * w];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, px);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int c = px[4 * x], m = px[4 * x + 1], ye = px[4 * x + 2], k = px[4 * x + 3];
                if (adobeTransform == 2) {
                    double yy = c, cb = m - 128.0, cr = ye - 128.0;
                    c = clamp(Math.round(yy + 1.402 * cr));
                    m = clamp(Math.round(yy - 0.344136 * cb - 0.714136 * cr));
                    ye = clamp(Math.round(yy + 1.772 * cb));
                }
                out[o] = (byte) (k - ((255 - c) * k >> 8));
                out[o + 1] = (byte) (k - ((255 - m) * k >> 8));
                out[o + 2] = (byte) (k - ((255 - ye) * k >> 8));
            }
        }
        return new DecodedImage(w, h, out);
    }

    private static int clamp(long v) { return (int) Math.max(0, Math.min(255, v)); }
}
