package org.dl4jbridge.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The tag parser on both byte orders and broken segments; the turns on a 3x2 picture (DL4J's pixels: compat ImageKindsCompatTest). */
class ExifOrientationTest {
    private static byte[] jpegWithExif(boolean little, int orientation) {
        byte[] tiff = little
                ? new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte) orientation, 0, 0, 0, 0, 0, 0, 0}
                : new byte[] {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0};
        int len = 2 + 6 + tiff.length;
        byte[] out = new byte[2 + 2 + len + 2];
        out[0] = (byte) 0xFF; out[1] = (byte) 0xD8;
        out[2] = (byte) 0xFF; out[3] = (byte) 0xE1; out[4] = (byte) (len >> 8); out[5] = (byte) len;
        System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, out, 6, 6);
        System.arraycopy(tiff, 0, out, 12, tiff.length);
        out[out.length - 2] = (byte) 0xFF; out[out.length - 1] = (byte) 0xD9;
        return out;
    }

    @Test
    void readsTheTagInBothByteOrders() {
        for (int o = 1; o <= 8; o++) {
            assertEquals(o, ExifOrientation.of(jpegWithExif(true, o)));
            assertEquals(o, ExifOrientation.of(jpegWithExif(false, o)));
        }
        assertEquals(1, ExifOrientation.of(jpegWithExif(false, 9)));
        byte[] broken = jpegWithExif(true, 6);
        broken[12] = 'X'; // not a TIFF header
        assertEquals(1, ExifOrientation.of(broken));
        assertEquals(1, ExifOrientation.of(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0, 60}));
        assertEquals(1, ExifOrientation.of(new byte[] {1, 2, 3}));
    }

    @Test
    void turnsAsTheTagSays() {
        // 3 wide, 2 high; pixel value = its label a..f, all three channels the same
        //   a b c
        //   d e f
        byte[] px = new byte[18];
        for (int i = 0; i < 6; i++) px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = (byte) ('a' + i);
        DecodedImage img = new DecodedImage(3, 2, px);
        assertTurn(img, 2, 3, "cbafed");
        assertTurn(img, 3, 3, "fedcba");
        assertTurn(img, 4, 3, "defabc");
        assertTurn(img, 5, 2, "adbecf");
        assertTurn(img, 6, 2, "daebfc");
        assertTurn(img, 7, 2, "fcebda");
        assertTurn(img, 8, 2, "cfbead");
        assertEquals(img, ExifOrientation.apply(img, 1));
    }

    private static void assertTurn(DecodedImage img, int orientation, int width, String expected) {
        DecodedImage t = ExifOrientation.apply(img, orientation);
        assertEquals(width, t.width(), "orientation " + orientation);
        byte[] first = new byte[6];
        for (int i = 0; i < 6; i++) first[i] = t.rgb()[3 * i];
        assertArrayEquals(expected.getBytes(), first, "orientation " + orientation + ": " + new String(first));
    }
}
