package org.dl4jbridge.nn.conf.layers;

import java.util.ArrayList;
import java.util.List;
import org.dl4jbridge.nn.conf.GradientNormalization;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.activations.IActivation;
import org.dl4jbridge.nn.conf.distribution.Distribution;
import org.dl4jbridge.nn.conf.regularization.L1Regularization;
import org.dl4jbridge.nn.conf.regularization.L2Regularization;
import org.dl4jbridge.nn.conf.regularization.Regularization;
import org.dl4jbridge.nn.conf.regularization.WeightDecay;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.weights.IWeightInit;
import org.dl4jbridge.nn.weights.WeightInit;
import org.dl4jbridge.nn.weights.WeightInitDistribution;

/** A layer with trainable parameters (DL4J: BaseLayer): activation, weight init, updater, regularization. */
public abstract class BaseLayer extends Layer {
    protected IActivation activationFn;
    protected IWeightInit weightInitFn;
    protected double biasInit = Double.NaN;
    protected double gainInit = Double.NaN;
    protected IUpdater iUpdater;
    protected IUpdater biasUpdater;
    protected List<Regularization> regularization;
    protected List<Regularization> regularizationBias;
    protected GradientNormalization gradientNormalization;
    protected double gradientNormalizationThreshold = Double.NaN;

    protected BaseLayer() {}

    protected BaseLayer(Builder<?> b) {
        super(b);
        this.activationFn = b.activationFn;
        this.weightInitFn = b.weightInitFn;
        this.biasInit = b.biasInit;
        this.gainInit = b.gainInit;
        this.iUpdater = b.iUpdater;
        this.biasUpdater = b.biasUpdater;
        this.regularization = b.regularization == null ? null : new ArrayList<>(b.regularization);
        this.regularizationBias = b.regularizationBias == null ? null : new ArrayList<>(b.regularizationBias);
        this.gradientNormalization = b.gradientNormalization;
        this.gradientNormalizationThreshold = b.gradientNormalizationThreshold;
    }

    public IActivation getActivationFn() { return activationFn; }
    public void setActivationFn(IActivation a) { this.activationFn = a; }
    public IWeightInit getWeightInitFn() { return weightInitFn; }
    public void setWeightInitFn(IWeightInit w) { this.weightInitFn = w; }
    public double getBiasInit() { return biasInit; }
    public void setBiasInit(double v) { this.biasInit = v; }
    public double getGainInit() { return gainInit; }
    public void setGainInit(double v) { this.gainInit = v; }
    public IUpdater getIUpdater() { return iUpdater; }
    public void setIUpdater(IUpdater u) { this.iUpdater = u; }
    public IUpdater getBiasUpdater() { return biasUpdater; }
    public void setBiasUpdater(IUpdater u) { this.biasUpdater = u; }
    public List<Regularization> getRegularization() { return regularization; }
    public void setRegularization(List<Regularization> r) { this.regularization = r == null ? null : new ArrayList<>(r); }
    public List<Regularization> getRegularizationBias() { return regularizationBias; }
    public void setRegularizationBias(List<Regularization> r) { this.regularizationBias = r == null ? null : new ArrayList<>(r); }
    public GradientNormalization getGradientNormalization() { return gradientNormalization; }
    public void setGradientNormalization(GradientNormalization g) { this.gradientNormalization = g; }
    public double getGradientNormalizationThreshold() { return gradientNormalizationThreshold; }
    public void setGradientNormalizationThreshold(double t) { this.gradientNormalizationThreshold = t; }

    /** Parameter names that count as biases (bias updater, bias regularization). */
    protected boolean isBiasParam(String paramName) { return "b".equals(paramName) || "beta".equals(paramName); }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (isBiasParam(paramName) && biasUpdater != null) return biasUpdater;
        return iUpdater;
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        List<Regularization> r = isBiasParam(paramName) ? regularizationBias : regularization;
        return r == null ? List.of() : r;
    }

    @Override
    public void applyGlobalDefaults(NeuralNetConfiguration.Builder g) {
        if (activationFn == null) activationFn = g.getActivationFn();
        if (weightInitFn == null) weightInitFn = g.getWeightInitFn();
        if (Double.isNaN(biasInit)) biasInit = g.getBiasInit();
        if (Double.isNaN(gainInit)) gainInit = g.getGainInit();
        if (iUpdater == null) iUpdater = g.getIUpdater().clone();
        if (biasUpdater == null && g.getBiasUpdater() != null) biasUpdater = g.getBiasUpdater().clone();
        if (regularization == null) regularization = new ArrayList<>(g.getRegularization());
        if (regularizationBias == null) regularizationBias = new ArrayList<>(g.getRegularizationBias());
        if (gradientNormalization == null) gradientNormalization = g.getGradientNormalization();
        if (Double.isNaN(gradientNormalizationThreshold)) gradientNormalizationThreshold = g.getGradientNormalizationThreshold();
        if (iDropout == null && g.getIDropout() != null) iDropout = g.getIDropout().clone();
    }

    @Override
    public BaseLayer clone() {
        BaseLayer l = (BaseLayer) super.clone();
        if (iUpdater != null) l.iUpdater = iUpdater.clone();
        if (biasUpdater != null) l.biasUpdater = biasUpdater.clone();
        if (regularization != null) l.regularization = new ArrayList<>(regularization);
        if (regularizationBias != null) l.regularizationBias = new ArrayList<>(regularizationBias);
        return l;
    }

    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends Layer.Builder<T> {
        protected IActivation activationFn;
        protected IWeightInit weightInitFn;
        protected double biasInit = Double.NaN;
        protected double gainInit = Double.NaN;
        protected IUpdater iUpdater;
        protected IUpdater biasUpdater;
        protected List<Regularization> regularization;
        protected List<Regularization> regularizationBias;
        protected GradientNormalization gradientNormalization;
        protected double gradientNormalizationThreshold = Double.NaN;

        public T activation(Activation a) { this.activationFn = a.getActivationFunction(); return (T) this; }
        public T activation(IActivation a) { this.activationFn = a; return (T) this; }
        public T weightInit(WeightInit w) { this.weightInitFn = w.getWeightInitFunction(); return (T) this; }
        public T weightInit(IWeightInit w) { this.weightInitFn = w; return (T) this; }
        public T weightInit(Distribution d) { this.weightInitFn = new WeightInitDistribution(d); return (T) this; }
        /** DL4J's deprecated {@code .dist(d)}: same as {@code weightInit(d)}. */
        public T dist(Distribution d) { return weightInit(d); }
        public T biasInit(double v) { this.biasInit = v; return (T) this; }
        public T gainInit(double v) { this.gainInit = v; return (T) this; }
        public T updater(IUpdater u) { this.iUpdater = u; return (T) this; }
        public T biasUpdater(IUpdater u) { this.biasUpdater = u; return (T) this; }
        public T l1(double v) { return addReg(false, new L1Regularization(v), L1Regularization.class); }
        public T l2(double v) { return addReg(false, new L2Regularization(v), L2Regularization.class); }
        public T l1Bias(double v) { return addReg(true, new L1Regularization(v), L1Regularization.class); }
        public T l2Bias(double v) { return addReg(true, new L2Regularization(v), L2Regularization.class); }
        public T weightDecay(double v) { return addReg(false, new WeightDecay(v, true), WeightDecay.class); }
        public T weightDecayBias(double v) { return addReg(true, new WeightDecay(v, true), WeightDecay.class); }
        public T regularization(List<Regularization> r) { this.regularization = new ArrayList<>(r); return (T) this; }
        public T regularizationBias(List<Regularization> r) { this.regularizationBias = new ArrayList<>(r); return (T) this; }
        public T gradientNormalization(GradientNormalization g) { this.gradientNormalization = g; return (T) this; }
        public T gradientNormalizationThreshold(double t) { this.gradientNormalizationThreshold = t; return (T) this; }

        /** One term per kind: setting l2 twice replaces the first value; 0 removes the term. */
        private T addReg(boolean bias, Regularization r, Class<?> kind) {
            List<Regularization> list = bias ? regularizationBias : regularization;
            if (list == null) list = new ArrayList<>();
            list.removeIf(kind::isInstance);
            if (r.coefficient() > 0) list.add(r);
            if (bias) regularizationBias = list; else regularization = list;
            return (T) this;
        }
    }
}
