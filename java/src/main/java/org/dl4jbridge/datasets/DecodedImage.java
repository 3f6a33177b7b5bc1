package org.dl4jbridge.datasets;

/**
 * A decoded photo: 8-bit samples, interleaved, three per pixel in R, G, B order, row-major
 * ({@code rgb[(y * width + x) * 3 + c]}).
 */
public record DecodedImage(int width, int height, byte[] rgb) {
    public DecodedImage {
        if (width < 1 || height < 1 || rgb.length != width * height * 3) {
            throw new IllegalArgumentException("an image of " + width + "x" + height + " needs " + (width * height * 3)
                    + " samples, got " + rgb.length);
        }
    }
}
