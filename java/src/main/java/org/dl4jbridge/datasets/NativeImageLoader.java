package org.dl4jbridge.datasets;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dl4jbridge.ndarray.NDArray;

/**
 * DL4J's NativeImageLoader(height, width, 3): decode, resize the whole image to exactly
 * height x width (aspect ratio ignored, no crop, OpenCV INTER_LINEAR arithmetic; see
 * {@link LinearResize}), and lay the pixels out as float32 NCHW planes with values 0..255, in BGR
 * order by default as DL4J does, or RGB.
 */
public final class NativeImageLoader {
    private final int height;
    private final int width;
    private final ChannelOrder order;

    public NativeImageLoader(int height, int width, int channels) {
        this(height, width, channels, ChannelOrder.BGR);
    }

    public NativeImageLoader(int height, int width, int channels, ChannelOrder order) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size must be positive, got height " + height + ", width " + width);
        }
        if (channels != 3) {
            throw new IllegalArgumentException("channels = " + channels + " is not supported: the loader produces 3 "
                    + "channels (colour photos; grey images are replicated), pass 3");
        }
        if (order == null) throw new IllegalArgumentException("channel order is null: pass ChannelOrder.BGR or RGB");
        this.height = height;
        this.width = width;
        this.order = order;
    }

    public int height() { return height; }
    public int width() { return width; }
    public ChannelOrder channelOrder() { return order; }

    /** Elements one image occupies in a batch: 3 * height * width. */
    public int imageLength() { return 3 * height * width; }

    /** {@code [1, 3, height, width]} float32, 0..255. */
    public NDArray asMatrix(Path file) throws IOException {
        NDArray out = NDArray.zeros(1, 3, height, width);
        load(file, out.buffer(), out.offset());
        return out;
    }

    public NDArray asMatrix(byte[] encoded, String name) throws UnreadableImageException {
        NDArray out = NDArray.zeros(1, 3, height, width);
        DecodedImage img = ImageDecoder.decode(encoded, name);
        LinearResize.resizeToPlanes(img.rgb(), img.width(), img.height(), width, height, order == ChannelOrder.BGR,
                out.buffer(), out.offset());
        return out;
    }

    /**
     * Decodes {@code file} into {@code buf} at {@code offset} (3 planes of height x width).
     * A file that cannot be read at all raises a plain IOException; bytes that do not decode raise
     * {@link UnreadableImageException}, so callers can skip corrupt photos but not missing ones.
     */
    public void load(Path file, FloatBuffer buf, int offset) throws IOException {
        load(Files.readAllBytes(file), file.toString(), buf, offset);
    }

    /** Decodes encoded image bytes ({@code name} only labels errors) into {@code buf} at {@code offset}. */
    public void load(byte[] encoded, String name, FloatBuffer buf, int offset) throws UnreadableImageException {
        DecodedImage img = ImageDecoder.decode(encoded, name);
        LinearResize.resizeToPlanes(img.rgb(), img.width(), img.height(), width, height, order == ChannelOrder.BGR, buf, offset);
    }

    /** The decoded image resized to height x width, interleaved RGB bytes. */
    public byte[] resize(DecodedImage img) {
        byte[] out = new byte[height * width * 3];
        LinearResize.resize(img.rgb(), img.width(), img.height(), out, width, height, 3);
        return out;
    }

    /** Interleaved RGB bytes (height x width x 3) to float planes in this loader's channel order. */
    public void writePlanes(byte[] rgb, FloatBuffer buf, int offset) {
        int plane = height * width;
        int first = order == ChannelOrder.BGR ? 2 : 0, last = 2 - first;
        float[] p0 = new float[plane], p1 = new float[plane], p2 = new float[plane];
        for (int i = 0, s = 0; i < plane; i++, s += 3) {
            p0[i] = rgb[s + first] & 0xff;
            p1[i] = rgb[s + 1] & 0xff;
            p2[i] = rgb[s + last] & 0xff;
        }
        buf.put(offset, p0).put(offset + plane, p1).put(offset + 2 * plane, p2);
    }
}
