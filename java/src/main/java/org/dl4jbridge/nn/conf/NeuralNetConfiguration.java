package org.dl4jbridge.nn.conf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dl4jbridge.nn.conf.activations.Activation;
import org.dl4jbridge.nn.conf.activations.IActivation;
import org.dl4jbridge.nn.conf.distribution.Distribution;
import org.dl4jbridge.nn.conf.dropout.Dropout;
import org.dl4jbridge.nn.conf.dropout.IDropout;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.regularization.L1Regularization;
import org.dl4jbridge.nn.conf.regularization.L2Regularization;
import org.dl4jbridge.nn.conf.regularization.Regularization;
import org.dl4jbridge.nn.conf.regularization.WeightDecay;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.updater.Sgd;
import org.dl4jbridge.nn.weights.IWeightInit;
import org.dl4jbridge.nn.weights.WeightInit;
import org.dl4jbridge.nn.weights.WeightInitDistribution;
import org.dl4jbridge.nn.weights.WeightInitXavier;

/**
 * One layer's configuration plus network-wide settings (DL4J: NeuralNetConfiguration), and the
 * global {@link Builder} whose values fill every layer field the layer leaves unset.
 */
public class NeuralNetConfiguration implements Cloneable {
    protected Layer layer;
    protected long seed;
    protected boolean miniBatch = true;
    protected boolean minimize = true;
    protected String optimizationAlgo = "STOCHASTIC_GRADIENT_DESCENT";
    protected int maxNumLineSearchIterations = 5;
    protected List<String> variables = new ArrayList<>();
    protected int iterationCount;
    protected int epochCount;
    protected String cacheMode = "NONE";
    protected String dataType = "FLOAT";

    public NeuralNetConfiguration() {}

    public Layer getLayer() { return layer; }
    public void setLayer(Layer l) { this.layer = l; }
    public long getSeed() { return seed; }
    public void setSeed(long s) { this.seed = s; }
    public boolean isMiniBatch() { return miniBatch; }
    public void setMiniBatch(boolean v) { this.miniBatch = v; }
    public boolean isMinimize() { return minimize; }
    public void setMinimize(boolean v) { this.minimize = v; }
    public String getOptimizationAlgo() { return optimizationAlgo; }
    public void setOptimizationAlgo(String a) { this.optimizationAlgo = a; }
    public int getMaxNumLineSearchIterations() { return maxNumLineSearchIterations; }
    public void setMaxNumLineSearchIterations(int v) { this.maxNumLineSearchIterations = v; }
    public List<String> getVariables() { return variables; }
    public void setVariables(List<String> v) { this.variables = new ArrayList<>(v); }
    public int getIterationCount() { return iterationCount; }
    public void setIterationCount(int v) { this.iterationCount = v; }
    public int getEpochCount() { return epochCount; }
    public void setEpochCount(int v) { this.epochCount = v; }
    public String getCacheMode() { return cacheMode; }
    public void setCacheMode(String m) { this.cacheMode = m; }
    public String getDataType() { return dataType; }
    public void setDataType(String t) { this.dataType = t; }

    @Override
    public NeuralNetConfiguration clone() {
        try {
            NeuralNetConfiguration c = (NeuralNetConfiguration) super.clone();
            if (layer != null) c.layer = layer.clone();
            c.variables = new ArrayList<>(variables);
            return c;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The global builder (DL4J: NeuralNetConfiguration.Builder). Defaults as DL4J's builder: activation
     * SIGMOID, weight init XAVIER, bias init 0, updater Sgd(1e-3), convolution mode Truncate, no
     * regularization, seed = the current time in milliseconds (set a seed for reproducible init).
     */
    public static class Builder implements Cloneable {
        protected IActivation activationFn = Activation.SIGMOID.getActivationFunction();
        protected IWeightInit weightInitFn = new WeightInitXavier();
        protected double biasInit = 0.0;
        protected double gainInit = 1.0;
        protected IUpdater iUpdater = new Sgd();
        protected IUpdater biasUpdater;
        protected List<Regularization> regularization = new ArrayList<>();
        protected List<Regularization> regularizationBias = new ArrayList<>();
        protected IDropout iDropout;
        protected GradientNormalization gradientNormalization = GradientNormalization.None;
        protected double gradientNormalizationThreshold = 1.0;
        protected ConvolutionMode convolutionMode = ConvolutionMode.Truncate;
        protected long seed = System.currentTimeMillis();
        protected boolean miniBatch = true;
        protected boolean minimize = true;
        protected String optimizationAlgo = "STOCHASTIC_GRADIENT_DESCENT";
        protected String cacheMode = "NONE";
        protected String dataType = "FLOAT";
        protected String trainingWorkspaceMode = "ENABLED";
        protected String inferenceWorkspaceMode = "ENABLED";

        public Builder() {}

        public Builder seed(long seed) { this.seed = seed; return this; }
        public Builder activation(Activation a) { this.activationFn = a.getActivationFunction(); return this; }
        public Builder activation(IActivation a) { this.activationFn = a; return this; }
        public Builder weightInit(WeightInit w) { this.weightInitFn = w.getWeightInitFunction(); return this; }
        public Builder weightInit(IWeightInit w) { this.weightInitFn = w; return this; }
        public Builder weightInit(Distribution d) { this.weightInitFn = new WeightInitDistribution(d); return this; }
        public Builder dist(Distribution d) { return weightInit(d); }
        public Builder biasInit(double v) { this.biasInit = v; return this; }
        public Builder gainInit(double v) { this.gainInit = v; return this; }
        public Builder updater(IUpdater u) { this.iUpdater = u; return this; }
        public Builder biasUpdater(IUpdater u) { this.biasUpdater = u; return this; }
        public Builder l1(double v) { replaceReg(regularization, L1Regularization.class, new L1Regularization(v)); return this; }
        public Builder l2(double v) { replaceReg(regularization, L2Regularization.class, new L2Regularization(v)); return this; }
        public Builder l1Bias(double v) { replaceReg(regularizationBias, L1Regularization.class, new L1Regularization(v)); return this; }
        public Builder l2Bias(double v) { replaceReg(regularizationBias, L2Regularization.class, new L2Regularization(v)); return this; }
        public Builder weightDecay(double v) { replaceReg(regularization, WeightDecay.class, new WeightDecay(v, true)); return this; }
        public Builder weightDecayBias(double v) { replaceReg(regularizationBias, WeightDecay.class, new WeightDecay(v, true)); return this; }
        public Builder regularization(List<Regularization> r) { this.regularization = new ArrayList<>(r); return this; }
        public Builder regularizationBias(List<Regularization> r) { this.regularizationBias = new ArrayList<>(r); return this; }
        /** Dropout with {@code p} = probability of RETAINING an activation; applied to layers with parameters. */
        public Builder dropOut(double retainProbability) { this.iDropout = new Dropout(retainProbability); return this; }
        public Builder dropOut(IDropout d) { this.iDropout = d; return this; }
        public Builder gradientNormalization(GradientNormalization g) { this.gradientNormalization = g; return this; }
        public Builder gradientNormalizationThreshold(double t) { this.gradientNormalizationThreshold = t; return this; }
        public Builder convolutionMode(ConvolutionMode m) { this.convolutionMode = m; return this; }
        public Builder miniBatch(boolean v) { this.miniBatch = v; return this; }
        public Builder minimize(boolean v) { this.minimize = v; return this; }
        public Builder optimizationAlgo(String a) {
            if (!"STOCHASTIC_GRADIENT_DESCENT".equals(a)) {
                throw new IllegalArgumentException("only STOCHASTIC_GRADIENT_DESCENT is supported, got " + a);
            }
            this.optimizationAlgo = a;
            return this;
        }
        public Builder cacheMode(String m) { this.cacheMode = m; return this; }
        public Builder dataType(String t) {
            if (!"FLOAT".equals(t)) throw new IllegalArgumentException("this engine computes in FLOAT only, got " + t);
            this.dataType = t;
            return this;
        }
        public Builder trainingWorkspaceMode(String m) { this.trainingWorkspaceMode = m; return this; }
        public Builder inferenceWorkspaceMode(String m) { this.inferenceWorkspaceMode = m; return this; }

        public IActivation getActivationFn() { return activationFn; }
        public IWeightInit getWeightInitFn() { return weightInitFn; }
        public double getBiasInit() { return biasInit; }
        public double getGainInit() { return gainInit; }
        public IUpdater getIUpdater() { return iUpdater; }
        public IUpdater getBiasUpdater() { return biasUpdater; }
        public List<Regularization> getRegularization() { return regularization; }
        public List<Regularization> getRegularizationBias() { return regularizationBias; }
        public IDropout getIDropout() { return iDropout; }
        public GradientNormalization getGradientNormalization() { return gradientNormalization; }
        public double getGradientNormalizationThreshold() { return gradientNormalizationThreshold; }
        public ConvolutionMode getConvolutionMode() { return convolutionMode; }
        public long getSeed() { return seed; }
        public String getTrainingWorkspaceMode() { return trainingWorkspaceMode; }
        public String getInferenceWorkspaceMode() { return inferenceWorkspaceMode; }
        public String getCacheMode() { return cacheMode; }
        public String getDataType() { return dataType; }

        private static void replaceReg(List<Regularization> list, Class<?> kind, Regularization r) {
            list.removeIf(kind::isInstance);
            if (r.coefficient() > 0) list.add(r);
        }

        /** A per-layer configuration: a clone of {@code layer} with unset fields filled from this builder. */
        public NeuralNetConfiguration layerConfiguration(Layer layer) {
            NeuralNetConfiguration c = build();
            Layer l = layer.clone();
            l.applyGlobalDefaults(this);
            c.layer = l;
            return c;
        }

        /** The network-level configuration (no layer), as DL4J's defaultConfiguration. */
        public NeuralNetConfiguration build() {
            NeuralNetConfiguration c = new NeuralNetConfiguration();
            c.seed = seed;
            c.miniBatch = miniBatch;
            c.minimize = minimize;
            c.optimizationAlgo = optimizationAlgo;
            c.cacheMode = cacheMode;
            c.dataType = dataType;
            return c;
        }

        /** Starts a MultiLayerNetwork configuration. */
        public ListBuilder list() { return new ListBuilder(this); }

        /** Starts a MultiLayerNetwork configuration with these layers in order. */
        public ListBuilder list(Layer... layers) {
            ListBuilder b = new ListBuilder(this);
            for (Layer l : layers) b.layer(l);
            return b;
        }

        /** Starts a ComputationGraph configuration. */
        public ComputationGraphConfiguration.GraphBuilder graphBuilder() {
            return new ComputationGraphConfiguration.GraphBuilder(this);
        }

        @Override
        public Builder clone() {
            try {
                Builder b = (Builder) super.clone();
                b.regularization = new ArrayList<>(regularization);
                b.regularizationBias = new ArrayList<>(regularizationBias);
                if (iUpdater != null) b.iUpdater = iUpdater.clone();
                if (biasUpdater != null) b.biasUpdater = biasUpdater.clone();
                return b;
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Builds a {@link MultiLayerConfiguration} (DL4J: NeuralNetConfiguration.ListBuilder). */
    public static class ListBuilder {
        private final Builder global;
        private final Map<Integer, Layer> layers = new HashMap<>();
        private final Map<Integer, InputPreProcessor> preProcessors = new HashMap<>();
        private InputType inputType;
        private boolean validateOutputLayerConfig = true;
        private String backpropType = "Standard";

        ListBuilder(Builder global) { this.global = global.clone(); }

        public ListBuilder layer(Layer layer) { return layer(layers.size(), layer); }

        public ListBuilder layer(int index, Layer layer) {
            if (index < 0) throw new IllegalArgumentException("layer index must be >= 0, got " + index);
            layers.put(index, layer);
            return this;
        }

        public ListBuilder inputPreProcessor(int layerIndex, InputPreProcessor p) { preProcessors.put(layerIndex, p); return this; }
        public ListBuilder setInputType(InputType t) { this.inputType = t; return this; }
        public ListBuilder validateOutputLayerConfig(boolean v) { this.validateOutputLayerConfig = v; return this; }
        public ListBuilder backpropType(String t) {
            if (!"Standard".equals(t)) throw new IllegalArgumentException("only backpropType Standard is supported, got " + t);
            this.backpropType = t;
            return this;
        }

        public MultiLayerConfiguration build() {
            int n = layers.size();
            if (n == 0) throw new IllegalStateException("a MultiLayerConfiguration needs at least one layer: call .layer(...)");
            List<NeuralNetConfiguration> confs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Layer l = layers.get(i);
                if (l == null) {
                    throw new IllegalStateException("layer indices must be 0.." + (n - 1) + " without gaps; index " + i + " is missing");
                }
                NeuralNetConfiguration c = global.layerConfiguration(l);
                if (c.layer.getLayerName() == null) c.layer.setLayerName("layer" + i);
                confs.add(c);
            }
            Map<Integer, InputPreProcessor> pre = new HashMap<>(preProcessors);
            if (inputType != null) {
                InputType cur = inputType;
                for (int i = 0; i < n; i++) {
                    Layer l = confs.get(i).layer;
                    InputPreProcessor p = pre.get(i);
                    if (p == null) {
                        p = l.getPreProcessorForInputType(cur);
                        if (p != null) pre.put(i, p);
                    }
                    if (p != null) cur = p.getOutputType(cur);
                    l.setNIn(cur, false);
                    cur = l.getOutputType(i, cur);
                }
            }
            MultiLayerConfiguration mlc = new MultiLayerConfiguration(confs, pre);
            mlc.setValidateOutputLayerConfig(validateOutputLayerConfig);
            mlc.setBackpropType(backpropType);
            mlc.setTrainingWorkspaceMode(global.getTrainingWorkspaceMode());
            mlc.setInferenceWorkspaceMode(global.getInferenceWorkspaceMode());
            mlc.setCacheMode(global.getCacheMode());
            mlc.setDataType(global.getDataType());
            mlc.validate();
            return mlc;
        }
    }
}
