package org.dl4jbridge.nn.params;

import java.util.ArrayList;
import java.util.List;
import org.dl4jbridge.nn.conf.layers.BaseOutputLayer;
import org.dl4jbridge.nn.conf.layers.BatchNormalization;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.DepthwiseConvolution2D;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;

/**
 * Where a layer's parameters sit in its slice of the flat parameter vector (DL4J_SPEC 2.7; DL4J's
 * *ParamInitializer classes): dense/output {@code W [nIn,nOut]} f-order then {@code b [1,nOut]};
 * convolution {@code b [1,nOut]} then {@code W [nOut,nIn,kH,kW]} c-order; depthwise {@code b} then
 * {@code W [kH,kW,nIn,depthMultiplier]} c-order; batch norm {@code gamma, beta, mean,
 * log10stdev|var}, each {@code [1,nOut]}. Frozen wrappers use the wrapped layer's layout.
 */
public final class ParamLayout {
    /** One parameter: key, shape, flattening order, offset within the layer's slice. */
    public record Entry(String key, int[] shape, char order, int offset, int length, Kind kind) {}

    /** How a parameter is initialized and regularized. */
    public enum Kind { WEIGHT, BIAS, BN_GAMMA, BN_BETA, BN_MEAN, BN_VAR, BN_LOG10STD }

    private ParamLayout() {}

    public static Layer unwrap(Layer l) { return l instanceof FrozenLayer f ? unwrap(f.getLayer()) : l; }

    public static List<Entry> of(Layer layer) {
        Layer l = unwrap(layer);
        List<Entry> out = new ArrayList<>();
        if (l instanceof DepthwiseConvolution2D d) {
            int nIn = (int) d.getNIn(), m = d.getDepthMultiplier(), nOut = nIn * m;
            int[] k = d.getKernelSize();
            if (d.hasBias()) add(out, "b", new int[] {1, nOut}, 'c', Kind.BIAS);
            add(out, "W", new int[] {k[0], k[1], nIn, m}, 'c', Kind.WEIGHT);
        } else if (l instanceof ConvolutionLayer c) {
            int[] k = c.getKernelSize();
            if (c.hasBias()) add(out, "b", new int[] {1, (int) c.getNOut()}, 'c', Kind.BIAS);
            add(out, "W", new int[] {(int) c.getNOut(), (int) c.getNIn(), k[0], k[1]}, 'c', Kind.WEIGHT);
        } else if (l instanceof BatchNormalization bn) {
            int n = (int) bn.getNOut();
            if (n <= 0) n = (int) bn.getNIn();
            int[] s = {1, n};
            if (!bn.isLockGammaBeta()) {
                add(out, "gamma", s, 'c', Kind.BN_GAMMA);
                add(out, "beta", s, 'c', Kind.BN_BETA);
            }
            add(out, "mean", s, 'c', Kind.BN_MEAN);
            if (bn.isUseLogStd()) add(out, "log10stdev", s, 'c', Kind.BN_LOG10STD);
            else add(out, "var", s, 'c', Kind.BN_VAR);
        } else if (l instanceof DenseLayer || l instanceof BaseOutputLayer) {
            org.dl4jbridge.nn.conf.layers.FeedForwardLayer f = (org.dl4jbridge.nn.conf.layers.FeedForwardLayer) l;
            boolean bias = l instanceof DenseLayer dl ? dl.hasBias() : ((BaseOutputLayer) l).hasBias();
            add(out, "W", new int[] {(int) f.getNIn(), (int) f.getNOut()}, 'f', Kind.WEIGHT);
            if (bias) add(out, "b", new int[] {1, (int) f.getNOut()}, 'c', Kind.BIAS);
        }
        return out;
    }

    private static void add(List<Entry> out, String key, int[] shape, char order, Kind kind) {
        int off = out.isEmpty() ? 0 : out.get(out.size() - 1).offset() + out.get(out.size() - 1).length();
        long len = 1;
        for (int s : shape) {
            if (s <= 0) throw new IllegalStateException("parameter '" + key + "' has shape " + java.util.Arrays.toString(shape)
                    + ": a layer size (nIn/nOut) is not set");
            len *= s;
        }
        out.add(new Entry(key, shape, order, off, (int) len, kind));
    }

    public static long numParams(Layer layer) {
        long n = 0;
        for (Entry e : of(layer)) n += e.length();
        return n;
    }

    /**
     * Names DL4J lists in the configuration's {@code variables} after init: weights first
     * (["W","b"] for dense and convolution alike), batch norm in table order.
     */
    public static List<String> variableNames(Layer layer) {
        List<String> names = new ArrayList<>();
        List<Entry> es = of(layer);
        for (Entry e : es) if (e.kind() == Kind.WEIGHT) names.add(e.key());
        for (Entry e : es) if (e.kind() != Kind.WEIGHT) names.add(e.key());
        return names;
    }

    /** (fanIn, fanOut) for weight init (DL4J_SPEC 6.4). */
    public static double[] fans(Layer layer) {
        Layer l = unwrap(layer);
        if (l instanceof DepthwiseConvolution2D d) {
            int[] k = d.getKernelSize(), s = d.getStride();
            return new double[] {(double) d.getNIn() * k[0] * k[1], (double) d.getDepthMultiplier() * k[0] * k[1] / (s[0] * s[1])};
        }
        if (l instanceof ConvolutionLayer c) {
            int[] k = c.getKernelSize(), s = c.getStride();
            return new double[] {(double) c.getNIn() * k[0] * k[1], (double) c.getNOut() * k[0] * k[1] / (s[0] * s[1])};
        }
        if (l instanceof org.dl4jbridge.nn.conf.layers.FeedForwardLayer f) return new double[] {f.getNIn(), f.getNOut()};
        return new double[] {1, 1};
    }
}
