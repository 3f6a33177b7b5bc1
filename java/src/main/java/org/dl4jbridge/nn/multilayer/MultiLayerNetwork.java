package org.dl4jbridge.nn.multilayer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.datasets.DataSetIterator;
import org.dl4jbridge.eval.Evaluation;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.MultiLayerConfiguration;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.graph.TrainingListener;
import org.dl4jbridge.nn.layers.AbstractLayer;
import org.dl4jbridge.nn.updater.NetworkUpdater;
import org.dl4jbridge.ndarray.NDArray;

/**
 * A stack of layers (DL4J: MultiLayerNetwork). It runs on the ComputationGraph engine as the chain
 * {@code input -> "0" -> "1" -> ...} (vertex names are layer indices, so parameter keys are DL4J's
 * "0_W", "1_b"...): for a chain the topological order is the layer order, so the parameter vector,
 * gradient and updater state have DL4J's MultiLayerNetwork layout (DL4J_SPEC 2.7, 2.8).
 */
public class MultiLayerNetwork {
    private final MultiLayerConfiguration conf;
    private ComputationGraph graph;

    public MultiLayerNetwork(MultiLayerConfiguration conf) { this.conf = conf; }

    public MultiLayerConfiguration getLayerWiseConfigurations() { return conf; }

    public void init() { init(null, false); }

    /** Uses {@code params} (N values, row vector or rank 1) directly unless {@code clone}. */
    public void init(NDArray params, boolean clone) {
        conf.validate();
        ComputationGraphConfiguration g = new ComputationGraphConfiguration();
        g.setNetworkInputs(List.of("input"));
        String prev = "input";
        for (int i = 0; i < conf.getConfs().size(); i++) {
            NeuralNetConfiguration c = conf.getConf(i);
            String name = String.valueOf(i);
            g.getVertices().put(name, new LayerVertex(c, conf.getInputPreProcess(i)));
            g.getVertexInputs().put(name, new ArrayList<>(List.of(prev)));
            prev = name;
        }
        g.setNetworkOutputs(List.of(prev));
        NeuralNetConfiguration d = new NeuralNetConfiguration();
        d.setSeed(conf.getConf(0).getSeed());
        d.setMiniBatch(conf.getConf(0).isMiniBatch());
        g.setDefaultConfiguration(d);
        g.setIterationCount(conf.getIterationCount());
        g.setEpochCount(conf.getEpochCount());
        graph = new ComputationGraph(g);
        graph.init(params, clone);
    }

    private ComputationGraph g() {
        if (graph == null) throw new IllegalStateException("the network is not initialized: call init() first");
        return graph;
    }

    private void syncCounters() {
        conf.setIterationCount(graph.getIterationCount());
        conf.setEpochCount(graph.getEpochCount());
    }

    public long numParams() { return g().numParams(); }

    /** The flat parameters, rank 1 [N] as M2.1's MultiLayerNetwork (a live view). */
    public NDArray params() { return g().params().reshape((int) numParams()); }

    public void setParams(NDArray p) { g().setParams(p); }

    /** The flat gradient of the last computation (summed over the minibatch), rank 1. */
    public NDArray gradient() { return g().gradient().reshape((int) numParams()); }

    public Map<String, NDArray> paramTable() { return g().paramTable(); }
    public NDArray getParam(String key) { return g().getParam(key); }
    public NetworkUpdater getUpdater() { return g().getUpdater(); }
    public AbstractLayer getLayer(int i) { return g().getLayer(String.valueOf(i)); }
    public List<AbstractLayer> getLayers() { return g().getLayers(); }
    public int getnLayers() { return conf.getConfs().size(); }
    public int getIterationCount() { return g().getIterationCount(); }
    public int getEpochCount() { return g().getEpochCount(); }
    public void setListeners(TrainingListener... ls) { g().setListeners(ls); }

    /** Inference-mode output of the last layer. */
    public NDArray output(NDArray input) { return g().outputSingle(input); }

    public NDArray output(NDArray input, boolean train) { return g().output(train, input)[0]; }

    /** Activations: the input, then each layer's output. */
    public List<NDArray> feedForward(NDArray input, boolean train) { return new ArrayList<>(g().feedForward(input, train).values()); }

    public double score() { return g().score(); }
    public double score(DataSet ds) { return g().score(ds); }
    public double score(DataSet ds, boolean training) { return g().score(ds, training); }

    public void computeGradientAndScore(DataSet ds) { g().computeGradientAndScore(ds); }

    public void fit(DataSet ds) { g().fit(ds); syncCounters(); }

    public void fit(NDArray features, NDArray labels) { g().fit(new NDArray[] {features}, new NDArray[] {labels}); syncCounters(); }

    // try/finally: an epoch stopped part-way (Ctrl-C, a failing listener) has still made updates to count.
    public void fit(DataSetIterator it) {
        try {
            g().fit(it);
        } finally {
            syncCounters();
        }
    }

    public void fit(DataSetIterator it, int numEpochs) {
        try {
            g().fit(it, numEpochs);
        } finally {
            syncCounters();
        }
    }

    public Evaluation evaluate(DataSetIterator it) { return g().evaluate(it); }

    public Evaluation evaluate(DataSetIterator it, org.dl4jbridge.bridge.ProgressListener listener) {
        return g().evaluate(it, listener);
    }

    /** DL4J's MultiLayerNetwork table: LayerName (LayerType), nIn,nOut, TotalParams, ParamsShape. */
    public String summary() { return g().layerSummary(); }

    /** The graph this network runs on (vertex names "0", "1", ...). */
    public ComputationGraph toComputationGraph() { return g(); }

    @Override
    public MultiLayerNetwork clone() {
        MultiLayerNetwork m = new MultiLayerNetwork(conf.clone());
        m.init(params(), true);
        m.getUpdater().setStateViewArray(getUpdater().getStateViewArray());
        return m;
    }
}
