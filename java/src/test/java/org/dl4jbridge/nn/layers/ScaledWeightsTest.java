package org.dl4jbridge.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DepthwiseConvolution2D;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.params.ParamLayout;
import org.junit.jupiter.api.Test;

/**
 * The per-output-channel weight scaling that folds an inference batch norm into the convolution before
 * it, for both weight layouts ([nOut, nIn, kH, kW] and depthwise [kH, kW, nIn, multiplier]), over
 * more weights than one chunk of the heap copy holds and at an offset into the parameter vector.
 */
class ScaledWeightsTest {
    private static ConvolutionLayerImpl layer(Layer conf, int offset) {
        ConvolutionLayerImpl l = (ConvolutionLayerImpl) LayerFactory.create(conf);
        int n = (int) ParamLayout.numParams(conf);
        NDArray flat = NDArray.zeros(1, offset + n + 3);
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < flat.length(); i++) flat.put(i, (float) (r.nextDouble() * 2 - 1));
        l.setViews(flat, null, offset);
        return l;
    }

    private static void check(ConvolutionLayerImpl l, boolean channelInnermost) {
        NDArray w = l.paramTable().get("W");
        int channels = l.outputChannels(), len = w.length();
        float[] scale = new float[channels];
        for (int c = 0; c < channels; c++) scale[c] = 0.5f + c;
        NDArray dst = NDArray.zeros(w.shape());
        l.scaledWeights(scale, dst);
        float[] src = w.toFloatArray(), got = dst.toFloatArray();
        for (int i = 0; i < len; i++) {
            int c = channelInnermost ? i % channels : i / (len / channels);
            assertEquals(src[i] * scale[c], got[i], 0f, "element " + i);
        }
    }

    @Test
    void convolutionWeightsScalePerOutputChannel() {
        check(layer(new ConvolutionLayer.Builder(3, 3).nIn(40).nOut(30).build(), 7), false);   // 10800 weights
        check(layer(new ConvolutionLayer.Builder(1, 1).nIn(192).nOut(70).build(), 0), false);  // 13440 weights
    }

    @Test
    void depthwiseWeightsScalePerChannelInnermost() {
        check(layer(new DepthwiseConvolution2D.Builder(5, 5).nIn(672).build(), 11), true);     // 16800 weights
        check(layer(new DepthwiseConvolution2D.Builder(3, 3).nIn(100).depthMultiplier(2).build(), 0), true);
    }
}
