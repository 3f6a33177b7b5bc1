package org.dl4jbridge.nn.transferlearning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jbridge.nn.conf.ConvolutionMode;
import org.dl4jbridge.nn.conf.GradientNormalization;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.activations.IActivation;
import org.dl4jbridge.nn.conf.distribution.Distribution;
import org.dl4jbridge.nn.conf.dropout.Dropout;
import org.dl4jbridge.nn.conf.dropout.IDropout;
import org.dl4jbridge.nn.conf.layers.BaseLayer;
import org.dl4jbridge.nn.conf.layers.ConvolutionLayer;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.layers.SubsamplingLayer;
import org.dl4jbridge.nn.conf.regularization.L1Regularization;
import org.dl4jbridge.nn.conf.regularization.L2Regularization;
import org.dl4jbridge.nn.conf.regularization.Regularization;
import org.dl4jbridge.nn.conf.regularization.WeightDecay;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.weights.IWeightInit;
import org.dl4jbridge.nn.weights.WeightInit;
import org.dl4jbridge.nn.weights.WeightInitDistribution;

/**
 * Settings that override the original network's when fine-tuning (DL4J: FineTuneConfiguration,
 * DL4J_SPEC 5.2). Only the fields that were set act: they replace the value in every existing
 * layer, and they are the only non-default values of the global configuration from which newly
 * added layers take their unset fields (everything else: DL4J's builder defaults, e.g. Sgd(1e-3)).
 */
public final class FineTuneConfiguration {
    private IActivation activationFn;
    private IWeightInit weightInitFn;
    private Double biasInit;
    private IUpdater updater;
    private IUpdater biasUpdater;
    private IDropout dropout;
    private GradientNormalization gradientNormalization;
    private Double gradientNormalizationThreshold;
    private ConvolutionMode convolutionMode;
    private Long seed;
    private Boolean miniBatch;
    private Boolean minimize;
    /** Per regularization kind (weights): the coefficient, 0 meaning "remove this kind". */
    private final Map<Class<? extends Regularization>, Double> regularization = new LinkedHashMap<>();
    private final Map<Class<? extends Regularization>, Double> regularizationBias = new LinkedHashMap<>();

    private FineTuneConfiguration() {}

    public static Builder builder() { return new Builder(); }

    public Long getSeed() { return seed; }
    public IUpdater getUpdater() { return updater; }
    public IUpdater getBiasUpdater() { return biasUpdater; }

    /**
     * The global configuration for newly added layers: DL4J's builder defaults overridden by the
     * fields set here.
     */
    public NeuralNetConfiguration.Builder appliedNeuralNetConfigurationBuilder() {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder();
        if (activationFn != null) b.activation(activationFn);
        if (weightInitFn != null) b.weightInit(weightInitFn);
        if (biasInit != null) b.biasInit(biasInit);
        if (updater != null) b.updater(updater.clone());
        if (biasUpdater != null) b.biasUpdater(biasUpdater.clone());
        if (dropout != null) b.dropOut(dropout.clone());
        if (gradientNormalization != null) b.gradientNormalization(gradientNormalization);
        if (gradientNormalizationThreshold != null) b.gradientNormalizationThreshold(gradientNormalizationThreshold);
        if (convolutionMode != null) b.convolutionMode(convolutionMode);
        if (seed != null) b.seed(seed);
        if (miniBatch != null) b.miniBatch(miniBatch);
        if (minimize != null) b.minimize(minimize);
        regularization.forEach((kind, v) -> applyGlobalReg(b, kind, v, false));
        regularizationBias.forEach((kind, v) -> applyGlobalReg(b, kind, v, true));
        return b;
    }

    private static void applyGlobalReg(NeuralNetConfiguration.Builder b, Class<?> kind, double v, boolean bias) {
        if (kind == L1Regularization.class) { if (bias) b.l1Bias(v); else b.l1(v); }
        else if (kind == L2Regularization.class) { if (bias) b.l2Bias(v); else b.l2(v); }
        else { if (bias) b.weightDecayBias(v); else b.weightDecay(v); }
    }

    /**
     * Applies the set fields to one existing layer's configuration, in place (DL4J's
     * applyToNeuralNetConfiguration). Layer-level fields act on layers with parameters
     * (BaseLayer); the convolution mode on convolution and subsampling layers.
     */
    public void applyTo(NeuralNetConfiguration conf) {
        if (seed != null) conf.setSeed(seed);
        if (miniBatch != null) conf.setMiniBatch(miniBatch);
        if (minimize != null) conf.setMinimize(minimize);
        Layer layer = conf.getLayer();
        if (layer instanceof BaseLayer bl) {
            if (activationFn != null) bl.setActivationFn(activationFn);
            if (weightInitFn != null) bl.setWeightInitFn(weightInitFn);
            if (biasInit != null) bl.setBiasInit(biasInit);
            if (updater != null) bl.setIUpdater(updater.clone());
            if (biasUpdater != null) bl.setBiasUpdater(biasUpdater.clone());
            if (dropout != null) bl.setIDropout(dropout.clone());
            if (gradientNormalization != null) bl.setGradientNormalization(gradientNormalization);
            if (gradientNormalizationThreshold != null) bl.setGradientNormalizationThreshold(gradientNormalizationThreshold);
            if (!regularization.isEmpty()) bl.setRegularization(merged(bl.getRegularization(), regularization));
            if (!regularizationBias.isEmpty()) bl.setRegularizationBias(merged(bl.getRegularizationBias(), regularizationBias));
        }
        if (convolutionMode != null) {
            if (layer instanceof ConvolutionLayer c) c.setConvolutionMode(convolutionMode);
            if (layer instanceof SubsamplingLayer s) s.setConvolutionMode(convolutionMode);
        }
    }

    private static List<Regularization> merged(List<Regularization> current,
                                               Map<Class<? extends Regularization>, Double> overrides) {
        List<Regularization> out = current == null ? new ArrayList<>() : new ArrayList<>(current);
        overrides.forEach((kind, v) -> {
            out.removeIf(kind::isInstance);
            if (v > 0) out.add(create(kind, v));
        });
        return out;
    }

    private static Regularization create(Class<? extends Regularization> kind, double v) {
        if (kind == L1Regularization.class) return new L1Regularization(v);
        if (kind == L2Regularization.class) return new L2Regularization(v);
        return new WeightDecay(v, true);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("FineTuneConfiguration(");
        if (updater != null) sb.append("updater=").append(updater).append(", ");
        if (seed != null) sb.append("seed=").append(seed).append(", ");
        if (activationFn != null) sb.append("activation=").append(activationFn).append(", ");
        if (sb.charAt(sb.length() - 1) == ' ') sb.setLength(sb.length() - 2);
        return sb.append(')').toString();
    }

    /** DL4J's FineTuneConfiguration.Builder: every call sets one field; unset fields do not act. */
    public static final class Builder {
        private final FineTuneConfiguration c = new FineTuneConfiguration();
        private boolean built;

        public Builder activation(Activation a) { c.activationFn = a.getActivationFunction(); return this; }
        public Builder activation(IActivation a) { c.activationFn = a; return this; }
        public Builder weightInit(WeightInit w) { c.weightInitFn = w.getWeightInitFunction(); return this; }
        public Builder weightInit(IWeightInit w) { c.weightInitFn = w; return this; }
        public Builder weightInit(Distribution d) { c.weightInitFn = new WeightInitDistribution(d); return this; }
        public Builder dist(Distribution d) { return weightInit(d); }
        public Builder biasInit(double v) { c.biasInit = v; return this; }
        public Builder updater(IUpdater u) { c.updater = u; return this; }
        public Builder biasUpdater(IUpdater u) { c.biasUpdater = u; return this; }
        /** Retain probability, as everywhere in DL4J. */
        public Builder dropOut(double retainProbability) { c.dropout = new Dropout(retainProbability); return this; }
        public Builder dropOut(IDropout d) { c.dropout = d; return this; }
        public Builder gradientNormalization(GradientNormalization g) { c.gradientNormalization = g; return this; }
        public Builder gradientNormalizationThreshold(double t) { c.gradientNormalizationThreshold = t; return this; }
        public Builder convolutionMode(ConvolutionMode m) { c.convolutionMode = m; return this; }
        public Builder seed(long seed) { c.seed = seed; return this; }
        public Builder miniBatch(boolean v) { c.miniBatch = v; return this; }
        public Builder minimize(boolean v) { c.minimize = v; return this; }
        /** 0 removes every L1 term from the layers. */
        public Builder l1(double v) { return reg(c.regularization, L1Regularization.class, v, "l1"); }
        public Builder l2(double v) { return reg(c.regularization, L2Regularization.class, v, "l2"); }
        public Builder l1Bias(double v) { return reg(c.regularizationBias, L1Regularization.class, v, "l1Bias"); }
        public Builder l2Bias(double v) { return reg(c.regularizationBias, L2Regularization.class, v, "l2Bias"); }
        public Builder weightDecay(double v) { return reg(c.regularization, WeightDecay.class, v, "weightDecay"); }
        public Builder weightDecayBias(double v) { return reg(c.regularizationBias, WeightDecay.class, v, "weightDecayBias"); }

        private Builder reg(Map<Class<? extends Regularization>, Double> m, Class<? extends Regularization> kind, double v,
                            String name) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(name + " must be a finite number >= 0 (0 removes it), got " + v);
            }
            m.put(kind, v);
            return this;
        }

        public FineTuneConfiguration build() {
            if (built) throw new IllegalStateException("this FineTuneConfiguration.Builder was already built; start a new one");
            built = true;
            return c;
        }
    }
}
