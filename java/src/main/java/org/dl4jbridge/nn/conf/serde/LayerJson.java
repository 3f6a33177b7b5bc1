package org.dl4jbridge.nn.conf.serde;

import com.fasterxml.jackson.databind.JsonNode;
import org.dl4jbridge.nn.conf.CNN2DFormat;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.GradientNormalization;
import org.dl4jbridge.nn.conf.layers.ActivationLayer;
import org.dl4jbridge.nn.conf.layers.BaseLayer;
import org.dl4jbridge.nn.conf.layers.BaseOutputLayer;
import org.dl4jbridge.nn.conf.layers.BatchNormalization;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.DenseLayer;
import org.dl4jbridge.nn.conf.layers.DepthwiseConvolution2D;
import org.dl4jbridge.nn.conf.layers.DropoutLayer;
import org.dl4jbridge.nn.conf.layers.FeedForwardLayer;
import org.dl4jbridge.nn.conf.layers.GlobalPoolingLayer;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.layers.NoParamLayer;
import org.dl4jbridge.nn.conf.layers.OutputLayer;
import org.dl4jbridge.nn.conf.layers.PoolingType;
import org.dl4jbridge.nn.conf.layers.SubsamplingLayer;
import org.dl4jbridge.nn.conf.layers.Upsampling2D;
import org.dl4jbridge.nn.conf.layers.ZeroPaddingLayer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayerWithBackprop;

/** Layer configurations <-> DL4J M2.1 JSON (property names and sets per DL4J_SPEC 3.5). */
final class LayerJson {
    private LayerJson() {}

    static Json.Obj write(Layer l) {
        Json.Obj o = new Json.Obj("@class", l.jsonClassName());
        o.putNull("constraints").put("idropout", ConfigObjectsJson.dropout(l.getIDropout())).put("layerName", l.getLayerName());
        if (l instanceof FrozenLayer f) {
            o.put(f instanceof FrozenLayerWithBackprop ? "underlying" : "layer", write(f.getLayer()));
            Layer inner = f.getLayer();
            GradientNormalization gn = inner instanceof BaseLayer b && b.getGradientNormalization() != null
                    ? b.getGradientNormalization() : GradientNormalization.None;
            double th = inner instanceof BaseLayer b && !Double.isNaN(b.getGradientNormalizationThreshold())
                    ? b.getGradientNormalizationThreshold() : (inner instanceof BaseLayer ? 1.0 : 0.0);
            o.put("gradientNormalization", gn.name()).put("gradientNormalizationThreshold", th);
            return o;
        }
        if (l instanceof NoParamLayer) {
            o.put("gradientNormalization", "None").put("gradientNormalizationThreshold", 0.0);
        }
        if (l instanceof BaseLayer b) writeBase(b, o);
        if (l instanceof FeedForwardLayer f) o.put("nin", f.getNIn()).put("nout", f.getNOut()).putNull("timeDistributedFormat");
        if (l instanceof DenseLayer d) o.put("hasBias", d.hasBias()).put("hasLayerNorm", d.hasLayerNorm());
        if (l instanceof BaseOutputLayer out) o.put("hasBias", out.hasBias()).put("lossFn", ConfigObjectsJson.loss(out.getLossFn()));
        if (l instanceof ConvolutionLayer c) {
            o.put("cnn2dDataFormat", c.getCnn2dDataFormat().name()).put("convolutionMode", mode(c.getConvolutionMode()))
                    .put("cudnnAlgoMode", c.getCudnnAlgoMode()).put("cudnnAllowFallback", true).putNull("cudnnBwdDataAlgo")
                    .putNull("cudnnBwdFilterAlgo").putNull("cudnnFwdAlgo").put("dilation", c.getDilation()).put("hasBias", c.hasBias())
                    .put("kernelSize", c.getKernelSize()).put("padding", c.getPadding()).put("stride", c.getStride());
        }
        if (l instanceof DepthwiseConvolution2D d) o.put("depthMultiplier", d.getDepthMultiplier());
        if (l instanceof SubsamplingLayer s) {
            o.put("avgPoolIncludePadInDivisor", s.isAvgPoolIncludePadInDivisor()).put("cnn2dDataFormat", s.getCnn2dDataFormat().name())
                    .put("convolutionMode", mode(s.getConvolutionMode())).put("cudnnAllowFallback", true).put("dilation", s.getDilation())
                    .put("eps", s.getEps()).put("kernelSize", s.getKernelSize()).put("padding", s.getPadding()).put("pnorm", s.getPnorm())
                    .put("poolingType", s.getPoolingType().name()).put("stride", s.getStride());
        }
        if (l instanceof GlobalPoolingLayer g) {
            o.put("collapseDimensions", g.isCollapseDimensions()).put("pnorm", g.getPnorm())
                    .put("poolingDimensions", g.getPoolingDimensions()).put("poolingType", g.getPoolingType().name());
        }
        if (l instanceof ActivationLayer a) o.put("activationFn", ConfigObjectsJson.activation(a.getActivationFn()));
        if (l instanceof Upsampling2D u) o.put("format", u.getFormat().name()).put("size", u.getSize());
        if (l instanceof ZeroPaddingLayer z) o.put("dataFormat", z.getDataFormat().name()).put("padding", z.getPadding());
        if (l instanceof BatchNormalization bn) {
            o.put("beta", bn.getBeta()).put("cnn2DFormat", bn.getCnn2DFormat().name()).put("cudnnAllowFallback", true)
                    .put("decay", bn.getDecay()).put("eps", bn.getEps()).put("gamma", bn.getGamma())
                    .put("lockGammaBeta", bn.isLockGammaBeta()).put("minibatch", bn.isMinibatch()).put("useLogStd", bn.isUseLogStd());
        }
        return o;
    }

    private static String mode(ConvolutionMode m) { return (m == null ? ConvolutionMode.Truncate : m).name(); }

    private static void writeBase(BaseLayer b, Json.Obj o) {
        o.put("activationFn", ConfigObjectsJson.activation(b.getActivationFn()))
                .put("biasInit", Double.isNaN(b.getBiasInit()) ? 0.0 : b.getBiasInit())
                .put("biasUpdater", ConfigObjectsJson.updater(b.getBiasUpdater()))
                .put("gainInit", Double.isNaN(b.getGainInit()) ? 1.0 : b.getGainInit())
                .put("gradientNormalization", (b.getGradientNormalization() == null ? GradientNormalization.None : b.getGradientNormalization()).name())
                .put("gradientNormalizationThreshold", Double.isNaN(b.getGradientNormalizationThreshold()) ? 1.0 : b.getGradientNormalizationThreshold())
                .put("iupdater", ConfigObjectsJson.updater(b.getIUpdater()))
                .put("regularization", ConfigObjectsJson.regularization(b.getRegularization()))
                .put("regularizationBias", ConfigObjectsJson.regularization(b.getRegularizationBias()))
                .put("weightInitFn", ConfigObjectsJson.weightInit(b.getWeightInitFn()))
                .putNull("weightNoise");
    }

    // ---- reading ----

    static Layer read(JsonNode n, String where) {
        String cls = Json.classOf(n, where);
        String simple = cls.substring(cls.lastIndexOf('.') + 1);
        if (Json.has(n, "weightNoise")) throw new InvalidConfigurationException(where + ": weightNoise is not supported");
        Layer l = switch (simple) {
            case "DenseLayer" -> DenseLayer.blank();
            case "OutputLayer" -> OutputLayer.blank();
            case "ConvolutionLayer" -> ConvolutionLayer.blank();
            case "DepthwiseConvolution2D" -> DepthwiseConvolution2D.blank();
            case "SubsamplingLayer" -> SubsamplingLayer.blank();
            case "GlobalPoolingLayer" -> GlobalPoolingLayer.blank();
            case "BatchNormalization" -> BatchNormalization.blank();
            case "ActivationLayer" -> ActivationLayer.blank();
            case "DropoutLayer" -> DropoutLayer.blank();
            case "Upsampling2D" -> Upsampling2D.blank();
            case "ZeroPaddingLayer" -> ZeroPaddingLayer.blank();
            case "FrozenLayer" -> new FrozenLayer(read(n.get("layer"), where + ".layer"));
            case "FrozenLayerWithBackprop" -> new FrozenLayerWithBackprop(
                    read(Json.has(n, "underlying") ? n.get("underlying") : n.get("layer"), where + ".underlying"));
            default -> throw new InvalidConfigurationException(where + ": unsupported layer class " + cls + " (supported: "
                    + String.join(", ", ConfigurationJson.SUPPORTED_LAYERS) + ")");
        };
        l.setLayerName(Json.str(n, "layerName", null));
        if (l instanceof FrozenLayer) return l;
        l.setIDropout(ConfigObjectsJson.dropout(n.get("idropout"), where + ".idropout"));
        if (l instanceof BaseLayer b) readBase(b, n, where);
        if (l instanceof FeedForwardLayer f) { f.setNIn(Json.lng(n, "nin", 0)); f.setNOut(Json.lng(n, "nout", 0)); }
        if (l instanceof DenseLayer d) {
            d.setHasBias(Json.bool(n, "hasBias", true));
            if (Json.bool(n, "hasLayerNorm", false)) throw new InvalidConfigurationException(where + ": hasLayerNorm=true is not supported");
        }
        if (l instanceof BaseOutputLayer o) {
            o.setHasBias(Json.bool(n, "hasBias", true));
            o.setLossFn(ConfigObjectsJson.loss(n.get("lossFn"), where + ".lossFn"));
        }
        if (l instanceof ConvolutionLayer c) {
            c.setCnn2dDataFormat(format(n, "cnn2dDataFormat", where));
            c.setConvolutionMode(ConvolutionMode.valueOf(Json.str(n, "convolutionMode", "Truncate")));
            c.setCudnnAlgoMode(Json.str(n, "cudnnAlgoMode", "PREFER_FASTEST"));
            c.setDilation(Json.ints(n, "dilation", new int[] {1, 1}));
            c.setHasBias(Json.bool(n, "hasBias", true));
            c.setKernelSize(Json.ints(n, "kernelSize", new int[] {5, 5}));
            c.setPadding(Json.ints(n, "padding", new int[] {0, 0}));
            c.setStride(Json.ints(n, "stride", new int[] {1, 1}));
        }
        if (l instanceof DepthwiseConvolution2D d) d.setDepthMultiplier(Json.integer(n, "depthMultiplier", 1));
        if (l instanceof SubsamplingLayer s) {
            s.setAvgPoolIncludePadInDivisor(Json.bool(n, "avgPoolIncludePadInDivisor", true));
            s.setCnn2dDataFormat(format(n, "cnn2dDataFormat", where));
            s.setConvolutionMode(ConvolutionMode.valueOf(Json.str(n, "convolutionMode", "Truncate")));
            s.setDilation(Json.ints(n, "dilation", new int[] {1, 1}));
            s.setEps(Json.dbl(n, "eps", 1e-8));
            s.setKernelSize(Json.ints(n, "kernelSize", new int[] {1, 1}));
            s.setPadding(Json.ints(n, "padding", new int[] {0, 0}));
            s.setPnorm(Json.integer(n, "pnorm", 0));
            s.setPoolingType(PoolingType.valueOf(Json.str(n, "poolingType", "MAX")));
            s.setStride(Json.ints(n, "stride", new int[] {2, 2}));
        }
        if (l instanceof GlobalPoolingLayer g) {
            g.setCollapseDimensions(Json.bool(n, "collapseDimensions", true));
            g.setPnorm(Json.integer(n, "pnorm", 2));
            g.setPoolingDimensions(Json.ints(n, "poolingDimensions", null));
            g.setPoolingType(PoolingType.valueOf(Json.str(n, "poolingType", "MAX")));
        }
        if (l instanceof ActivationLayer a) a.setActivationFn(ConfigObjectsJson.activation(n.get("activationFn"), where + ".activationFn"));
        if (l instanceof Upsampling2D u) {
            u.setSize(Json.ints(n, "size", new int[] {2, 2}));
            u.setFormat(format(n, "format", where));
        }
        if (l instanceof ZeroPaddingLayer z) {
            z.setPadding(Json.ints(n, "padding", new int[] {0, 0, 0, 0}));
            z.setDataFormat(format(n, Json.has(n, "cnn2dDataFormat") ? "cnn2dDataFormat" : "dataFormat", where));
        }
        if (l instanceof BatchNormalization bn) {
            bn.setBeta(Json.dbl(n, "beta", 0.0));
            bn.setDecay(Json.dbl(n, "decay", 0.9));
            bn.setEps(Json.dbl(n, "eps", 1e-5));
            bn.setGamma(Json.dbl(n, "gamma", 1.0));
            bn.setLockGammaBeta(Json.bool(n, "lockGammaBeta", false));
            bn.setMinibatch(Json.bool(n, "minibatch", Json.bool(n, "isMinibatch", true)));
            bn.setUseLogStd(Json.bool(n, "useLogStd", false));
            bn.setCnn2DFormat(format(n, "cnn2DFormat", where));
        }
        return l;
    }

    private static CNN2DFormat format(JsonNode n, String key, String where) {
        CNN2DFormat f = CNN2DFormat.valueOf(Json.str(n, key, "NCHW"));
        if (f != CNN2DFormat.NCHW) throw new InvalidConfigurationException(where + "." + key + ": only NCHW is supported, got " + f);
        return f;
    }

    private static void readBase(BaseLayer b, JsonNode n, String where) {
        b.setActivationFn(ConfigObjectsJson.activation(n.get("activationFn"), where + ".activationFn"));
        b.setBiasInit(Json.dbl(n, "biasInit", 0.0));
        b.setBiasUpdater(ConfigObjectsJson.updater(n.get("biasUpdater"), where + ".biasUpdater"));
        b.setGainInit(Json.dbl(n, "gainInit", 0.0));
        b.setGradientNormalization(GradientNormalization.valueOf(Json.str(n, "gradientNormalization", "None")));
        b.setGradientNormalizationThreshold(Json.dbl(n, "gradientNormalizationThreshold", 1.0));
        b.setIUpdater(ConfigObjectsJson.updater(n.get("iupdater"), where + ".iupdater"));
        b.setRegularization(ConfigObjectsJson.regularization(n.get("regularization"), where + ".regularization"));
        b.setRegularizationBias(ConfigObjectsJson.regularization(n.get("regularizationBias"), where + ".regularizationBias"));
        b.setWeightInitFn(ConfigObjectsJson.weightInit(n.get("weightInitFn"), where + ".weightInitFn"));
        if (b.getActivationFn() == null || b.getIUpdater() == null || b.getWeightInitFn() == null) {
            throw new InvalidConfigurationException(where + ": a " + b.getClass().getSimpleName() + " needs activationFn, iupdater and "
                    + "weightInitFn; this looks like a legacy (pre-1.0.0-beta4) file: convert it with the serde converter first");
        }
    }
}
