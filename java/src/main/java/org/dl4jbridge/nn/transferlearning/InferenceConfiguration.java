package org.dl4jbridge.nn.transferlearning;

import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.graph.GraphVertex;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.conf.layers.BaseLayer;
import org.dl4jbridge.nn.conf.layers.BatchNormalization;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;

/**
 * The part of a frozen sub-graph's configuration that decides its inference output, for the
 * feature-cache key.
 *
 * <p>A fine-tune configuration is applied to every layer, frozen ones included (DL4J does the
 * same), so the frozen layers carry the head's updater, regularization, dropout and seed. None of
 * these changes what the frozen part computes: it runs in inference mode (no dropout, running
 * statistics), is never updated, and its parameters are hashed as they are (so how they were
 * initialized does not matter either). Keeping them in the key made a new head learning rate
 * re-featurize every photo (minutes for VGG16). What stays: layer types and shapes, activations,
 * convolution settings, pre-processors, batch normalization's eps/gamma/beta/lock/log-std, the
 * graph's wiring.
 */
final class InferenceConfiguration {
    private InferenceConfiguration() {}

    /** Resets, in {@code part} (a copy the caller owns), every setting that only training reads. */
    static ComputationGraphConfiguration stripTrainingSettings(ComputationGraphConfiguration part) {
        NeuralNetConfiguration defaults = new NeuralNetConfiguration();
        part.setDefaultConfiguration(defaults);   // global training defaults (seed, updater): layers hold their own
        part.setIterationCount(0);
        part.setEpochCount(0);
        part.setBackpropType("Standard");
        part.setTbpttFwdLength(0);
        part.setTbpttBackLength(0);
        part.setTrainingWorkspaceMode("ENABLED");
        part.setInferenceWorkspaceMode("ENABLED");  // memory reuse only, never values
        part.setCacheMode("NONE");
        part.setValidateOutputLayerConfig(true);
        for (GraphVertex v : part.getVertices().values()) {
            if (!(v instanceof LayerVertex lv)) continue;
            NeuralNetConfiguration c = lv.getLayerConf();
            c.setSeed(defaults.getSeed());
            c.setIterationCount(0);
            c.setEpochCount(0);
            c.setMiniBatch(defaults.isMiniBatch());
            c.setMinimize(defaults.isMinimize());
            c.setOptimizationAlgo(defaults.getOptimizationAlgo());
            c.setMaxNumLineSearchIterations(defaults.getMaxNumLineSearchIterations());
            Layer layer = c.getLayer();
            stripLayer(layer);
            if (layer instanceof FrozenLayer f) stripLayer(f.getLayer());
        }
        return part;
    }

    private static void stripLayer(Layer layer) {
        layer.setIDropout(null);   // inference applies no dropout
        if (layer instanceof BaseLayer b) {
            b.setIUpdater(null);
            b.setBiasUpdater(null);
            b.setRegularization(null);
            b.setRegularizationBias(null);
            b.setGradientNormalization(null);
            b.setGradientNormalizationThreshold(Double.NaN);
            b.setWeightInitFn(null);   // the parameters themselves are hashed
            b.setBiasInit(Double.NaN);
            b.setGainInit(Double.NaN);
        }
        if (layer instanceof BatchNormalization bn) {
            bn.setDecay(0.0);          // only updates the running statistics while training
            bn.setMinibatch(true);
        }
    }
}
