package org.dl4jbridge.datasets;

/**
 * The EXIF Orientation tag of a JPEG and the turn it asks for, as DL4J's NativeImageLoader applies
 * it: OpenCV's {@code imdecode} (with DL4J's flags, which do not include IMREAD_IGNORE_ORIENTATION)
 * reads the tag from the JPEG's Exif APP1 segment and rotates or mirrors the decoded pixels before
 * DL4J resizes them. A phone photo stored sideways with orientation 6 thus reaches the network
 * upright. Other formats keep their stored orientation (OpenCV 4.5.5 reads EXIF from JPEG only).
 */
final class ExifOrientation {
    private ExifOrientation() {}

    /** The Orientation value (1..8) of a JPEG's first Exif segment; 1 (as stored) when absent or malformed. */
    static int of(byte[] jpeg) {
        int n = jpeg.length;
        if (n < 4 || (jpeg[0] & 0xff) != 0xFF || (jpeg[1] & 0xff) != 0xD8) return 1;
        int p = 2;
        while (p + 4 <= n) {
            if ((jpeg[p] & 0xff) != 0xFF) return 1;
            int marker = jpeg[p + 1] & 0xff;
            if (marker == 0xFF) { p++; continue; }                  // fill byte
            if (marker == 0xDA || marker == 0xD9) return 1;         // image data or end: no Exif before it
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { p += 2; continue; }
            int len = u16(jpeg, p + 2, false);
            if (len < 2 || p + 2 + len > n) return 1;
            int body = p + 4;
            if (marker == 0xE1 && len >= 8 && jpeg[body] == 'E' && jpeg[body + 1] == 'x' && jpeg[body + 2] == 'i'
                    && jpeg[body + 3] == 'f' && jpeg[body + 4] == 0 && jpeg[body + 5] == 0) {
                return fromTiff(jpeg, body + 6, p + 2 + len);
            }
            p += 2 + len;
        }
        return 1;
    }

    /** IFD0's Orientation entry of the TIFF structure in {@code [t, end)}. */
    private static int fromTiff(byte[] b, int t, int end) {
        if (t + 8 > end) return 1;
        boolean little;
        if (b[t] == 'I' && b[t + 1] == 'I') little = true;
        else if (b[t] == 'M' && b[t + 1] == 'M') little = false;
        else return 1;
        if (u16(b, t + 2, little) != 42) return 1;
        long ifd = u32(b, t + 4, little);
        if (ifd < 8 || t + ifd + 2 > end) return 1;
        int entries = u16(b, t + (int) ifd, little);
        for (int i = 0; i < entries; i++) {
            int e = t + (int) ifd + 2 + 12 * i;
            if (e + 12 > end) return 1;
            if (u16(b, e, little) == 0x0112) {
                int type = u16(b, e + 2, little);
                int v = type == 3 ? u16(b, e + 8, little) : type == 4 ? (int) u32(b, e + 8, little) : 1;
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int i, boolean little) {
        int a = b[i] & 0xff, c = b[i + 1] & 0xff;
        return little ? a | c << 8 : a << 8 | c;
    }

    private static long u32(byte[] b, int i, boolean little) {
        long hi = u16(b, little ? i + 2 : i, little), lo = u16(b, little ? i : i + 2, little);
        return hi << 16 | lo;
    }

    /**
     * The image turned as the tag says: 2 mirror left-right, 3 turn 180°, 4 mirror top-bottom,
     * 5 transpose, 6 turn 90° clockwise, 7 transverse, 8 turn 90° anticlockwise.
     */
    static DecodedImage apply(DecodedImage img, int orientation) {
        if (orientation <= 1 || orientation > 8) return img;
        int w = img.width(), h = img.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        byte[] in = img.rgb();
        byte[] out = new byte[in.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx, sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; }    // 8
                }
                int s = (sy * w + sx) * 3, o = (y * ow + x) * 3;
                out[o] = in[s];
                out[o + 1] = in[s + 1];
                out[o + 2] = in[s + 2];
            }
        }
        return new DecodedImage(ow, oh, out);
    }
}
