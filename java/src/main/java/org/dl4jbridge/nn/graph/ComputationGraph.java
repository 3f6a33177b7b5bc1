package org.dl4jbridge.nn.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.dl4jbridge.bridge.Interrupts;
import org.dl4jbridge.bridge.ProgressListener;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.datasets.DataSetIterator;
import org.dl4jbridge.eval.Evaluation;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.GraphNames;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.graph.ElementWiseVertex;
import org.dl4jbridge.nn.conf.graph.FrozenVertex;
import org.dl4jbridge.nn.conf.graph.GraphVertex;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.conf.graph.MergeVertex;
import org.dl4jbridge.nn.conf.graph.PreprocessorVertex;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;
import org.dl4jbridge.nn.graph.vertex.ElementWiseVertexImpl;
import org.dl4jbridge.nn.graph.vertex.LayerVertexImpl;
import org.dl4jbridge.nn.graph.vertex.MergeVertexImpl;
import org.dl4jbridge.nn.graph.vertex.PreprocessorVertexImpl;
import org.dl4jbridge.nn.graph.vertex.VertexImpl;
import org.dl4jbridge.nn.layers.AbstractLayer;
import org.dl4jbridge.nn.layers.FrozenLayerImpl;
import org.dl4jbridge.nn.layers.LayerFactory;
import org.dl4jbridge.nn.layers.OutputLayerImpl;
import org.dl4jbridge.nn.layers.TrainingArrays;
import org.dl4jbridge.nn.params.ParamInitializer;
import org.dl4jbridge.nn.params.ParamLayout;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.nn.updater.NetworkUpdater;
import org.dl4jbridge.nn.updater.NoOp;
import org.dl4jbridge.ndarray.NDArray;

/**
 * A trainable directed acyclic graph of layers and vertices (DL4J: ComputationGraph).
 *
 * <p>Parameters live in one flat {@code [1, N]} vector laid out in topological order (DL4J_SPEC 2.7);
 * every layer's W/b are views into it, and the gradient vector has the same layout. {@link #init()}
 * draws weights from {@code java.util.Random(seed)} (the configuration's seed), layer by layer in
 * vertex-index order, each weight segment in its buffer order: deterministic for a seed, but not
 * ND4J's random stream. Dropout masks come from a second {@code java.util.Random(seed)}.
 *
 * <p>Training ({@link #fit(DataSet)}) is DL4J's SGD step (DL4J_SPEC 6.1): training-mode forward,
 * score (mean loss + regularization) before the update, summed gradients, updater divides by the
 * minibatch size, {@code iterationCount += 1}. Frozen layers run in inference mode and are never updated.
 */
public class ComputationGraph {
    private final ComputationGraphConfiguration conf;
    private List<String> names;
    private int[] topo;
    private VertexImpl[] vertices;
    private int[][] inputIdx;
    private int[] paramStart;
    private NDArray flatParams;
    private NDArray flatGrads;
    /**
     * Whether the next gradient computation zeroes the whole gradient vector rather than only the
     * trainable layers' segments: after the vector is allocated, handed out ({@link #gradient()}: the
     * caller may write it) or layers are frozen (their segments may hold the last step's gradients).
     */
    private boolean zeroWholeGradient = true;
    private NetworkUpdater updater;
    private Random dropoutRng;
    private double score = Double.NaN;
    private int lastMiniBatch;
    private final List<TrainingListener> listeners = new ArrayList<>();
    /** Activation buffers reused by inference passes (within a batch and across batches). */
    private final org.dl4jbridge.ndarray.Workspace workspace = new org.dl4jbridge.ndarray.Workspace();
    /** Activations and gradients of a training step, reused by the next step of the same shapes. */
    private final TrainingArrays stepArrays = new TrainingArrays();
    /** Inference plans by requested vertices; they refer to the runtime vertices, so rebuilt when those change. */
    private final Map<List<Integer>, InferencePlan> plans = new HashMap<>();
    /** Parameter count from which allocating the gradient buffer first collects garbage (64 MB of floats). */
    private static final long LARGE_BUFFER_FLOATS = 16L << 20;

    public ComputationGraph(ComputationGraphConfiguration conf) { this.conf = conf; }

    public ComputationGraphConfiguration getConfiguration() { return conf; }

    // ---- initialization -------------------------------------------------------------------

    /** Initializes parameters from the configuration's seed. */
    public void init() { init(null, false); }

    /**
     * Uses {@code params} (a row vector or rank-1 of exactly {@link #numParams()} values) as the
     * parameters, copied when {@code clone}, else used directly (as DL4J's restore does).
     */
    public void init(NDArray params, boolean clone) {
        conf.validate();
        plans.clear();
        workspace.clear();
        stepArrays.clear();
        names = conf.vertexNamesByIndex();
        topo = conf.topologicalOrder();
        int n = names.size();
        vertices = new VertexImpl[n];
        inputIdx = new int[n][];
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) index.put(names.get(i), i);
        int nIn = conf.getNetworkInputs().size();
        for (int i = nIn; i < n; i++) {
            String name = names.get(i);
            vertices[i] = createVertex(name, conf.getVertices().get(name));
            List<String> ins = conf.getVertexInputs().get(name);
            inputIdx[i] = ins.stream().mapToInt(index::get).toArray();
        }
        paramStart = new int[n];
        long total = 0;
        for (int v : topo) {
            paramStart[v] = (int) total;
            if (vertices[v] != null && vertices[v].layer() != null) total += vertices[v].layer().numParams();
        }
        if (total > Integer.MAX_VALUE) throw new IllegalStateException("network has " + total + " parameters: more than one buffer holds");
        int numParams = (int) total;
        if (params != null) {
            boolean rowVector = params.rank() == 1 || (params.rank() == 2 && params.size(0) == 1);
            if (!rowVector || params.length() != numParams) {
                throw new IllegalArgumentException("parameters must be a row vector of " + numParams + " values for this configuration, got shape "
                        + Arrays.toString(params.shape()));
            }
            NDArray p = clone || !params.isContiguous() ? params.dup() : params;
            flatParams = p.reshape(1, numParams);
        } else {
            flatParams = NDArray.zeros(1, numParams);
        }
        flatGrads = null;   // allocated by gradients() at the first gradient computation
        zeroWholeGradient = true;
        long seed = conf.getDefaultConfiguration().getSeed();
        dropoutRng = new Random(seed);
        Random initRng = new Random(seed);
        List<String> variables = new ArrayList<>();
        for (int i = nIn; i < n; i++) {
            AbstractLayer l = vertices[i].layer();
            if (l == null) continue;
            l.setViews(flatParams, flatGrads, paramStart[i]);
            l.setRandom(dropoutRng);
            if (params == null && l.numParams() > 0) ParamInitializer.init(l.conf(), flatParams, paramStart[i], initRng);
            LayerVertex lv = (LayerVertex) conf.getVertices().get(names.get(i));
            List<String> vars = ParamLayout.variableNames(lv.getLayer());
            lv.getLayerConf().setVariables(vars);
            for (String v : vars) variables.add(names.get(i) + "_" + v);
        }
        conf.getDefaultConfiguration().setVariables(variables);
        updater = buildUpdater();
        if (conf.isValidateOutputLayerConfig()) validateOutputLayers();
    }

    /** DL4J's output-layer check: softmax over a single output is always 1.0 and cannot learn. */
    private void validateOutputLayers() {
        for (String o : conf.getNetworkOutputs()) {
            if (conf.getVertices().get(o) instanceof LayerVertex lv
                    && ParamLayout.unwrap(lv.getLayer()) instanceof org.dl4jbridge.nn.conf.layers.BaseOutputLayer out
                    && out.getActivationFn() != null && out.getActivationFn().getType() == org.dl4jbridge.nn.conf.activations.Activation.SOFTMAX
                    && out.getNOut() == 1) {
                throw new IllegalArgumentException("output layer '" + o + "' has softmax activation with nOut=1: its output is always 1.0."
                        + " Use nOut = number of classes (2 or more), or sigmoid with nOut=1; or set validateOutputLayerConfig(false)");
            }
        }
    }

    private VertexImpl createVertex(String name, GraphVertex v) {
        if (v instanceof FrozenVertex f) return createVertex(name, f.getUnderlying());
        if (v instanceof LayerVertex lv) {
            Layer l = lv.getLayer();
            if (l.getLayerName() == null) l.setLayerName(name);
            return new LayerVertexImpl(name, LayerFactory.create(l), lv.getPreProcessor());
        }
        if (v instanceof MergeVertex) return new MergeVertexImpl(name);
        if (v instanceof ElementWiseVertex e) return new ElementWiseVertexImpl(name, e.getOp());
        if (v instanceof PreprocessorVertex p) return new PreprocessorVertexImpl(name, p.getPreProcessor());
        throw new IllegalArgumentException("vertex '" + name + "': no runtime for " + v);
    }

    private NetworkUpdater buildUpdater() {
        List<NetworkUpdater.Segment> segs = new ArrayList<>();
        for (int v : topo) {
            VertexImpl vi = vertices[v];
            if (vi == null || vi.layer() == null) continue;
            AbstractLayer l = vi.layer();
            Layer c = l.conf();
            boolean frozen = l.isFrozen();
            for (ParamLayout.Entry e : ParamLayout.of(c)) {
                IUpdater u = frozen ? new NoOp() : c.getUpdaterByParam(e.key());
                if (u == null) throw new IllegalStateException("layer '" + names.get(v) + "' has no updater for parameter " + e.key());
                org.dl4jbridge.nn.conf.GradientNormalization gn = org.dl4jbridge.nn.conf.GradientNormalization.None;
                double threshold = 1.0;
                if (ParamLayout.unwrap(c) instanceof org.dl4jbridge.nn.conf.layers.BaseLayer bl && bl.getGradientNormalization() != null) {
                    gn = bl.getGradientNormalization();
                    threshold = bl.getGradientNormalizationThreshold();
                }
                // Fixed: frozen, or a running statistic the layer maintains itself (BatchNormalization's mean/var).
                boolean fixed = frozen || c.isRunningStatistic(e.key());
                segs.add(new NetworkUpdater.Segment(names.get(v), e.key(), paramStart[v] + e.offset(), e.length(), u,
                        fixed ? List.of() : c.getRegularizationByParam(e.key()), gn, threshold, fixed));
            }
        }
        return new NetworkUpdater(segs);
    }

    private void requireInit() {
        if (vertices == null) throw new IllegalStateException("the network is not initialized: call init() first");
    }

    /**
     * Freezes the named layer vertices in place (runtime only; the configuration is unchanged), as
     * TransferLearningHelper does. The updater is rebuilt; its state restarts at zero.
     */
    public void freezeLayersInPlace(Collection<String> layerNames) {
        requireInit();
        for (String name : layerNames) {
            int i = indexOf(name);
            if (vertices[i] instanceof LayerVertexImpl lv && !lv.layer().isFrozen()) {
                AbstractLayer inner = lv.layer();
                FrozenLayerImpl f = new FrozenLayerImpl(new FrozenLayer(inner.conf()), inner);
                vertices[i] = new LayerVertexImpl(name, f, lv.preProcessor());
            }
        }
        plans.clear();
        zeroWholeGradient = true;
        updater = buildUpdater();
    }

    // ---- parameters ------------------------------------------------------------------------

    public long numParams() { requireInit(); return flatParams.length(); }

    /** The flat parameter vector [1, N] (a live view: writing it changes the network). */
    public NDArray params() { requireInit(); return flatParams; }

    /** Copies {@code p} (N values, any shape) into the parameters. */
    public void setParams(NDArray p) {
        requireInit();
        if (p.length() != flatParams.length()) {
            throw new IllegalArgumentException("setParams: got " + p.length() + " values, the network has " + flatParams.length());
        }
        flatParams.assign(p.contiguous().reshape(1, p.length()));
    }

    /** The flat gradient vector (same layout as params), as left by the last gradient computation (summed over the minibatch). */
    public NDArray gradient() {
        requireInit();
        zeroWholeGradient = true;
        return gradients();
    }

    /**
     * The flat gradient buffer, allocated at its first use and then kept: a network that only infers
     * (a zoo model used as a transfer-learning base, a featurizer) never holds one as large as its
     * parameters. Allocating it points every layer's gradient views into it.
     */
    private NDArray gradients() {
        if (flatGrads == null) {
            if (flatParams.length() >= LARGE_BUFFER_FLOATS) {
                // The first training step adds buffers as large as the parameters (gradients, then the
                // updater state). Off-heap arrays that died before it (typically a transfer-learning
                // base, as large as this network, dropped once the new graph was built) are freed only
                // by a collection, and the small heap rarely needs one: without it they stay resident
                // beside the new buffers (VGG16: 538 MB of the peak). One collection, once per network.
                System.gc();
            }
            flatGrads = NDArray.zeros(1, (int) flatParams.length());
            for (int i = conf.getNetworkInputs().size(); i < vertices.length; i++) {
                AbstractLayer l = vertices[i] == null ? null : vertices[i].layer();
                if (l != null) l.setViews(flatParams, flatGrads, paramStart[i]);
            }
        }
        return flatGrads;
    }

    public NetworkUpdater getUpdater() { requireInit(); return updater; }

    /** Parameters by "vertexName_param" in parameter order (views). */
    public Map<String, NDArray> paramTable() {
        requireInit();
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int v : topo) {
            if (vertices[v] == null || vertices[v].layer() == null) continue;
            vertices[v].layer().paramTable().forEach((k, a) -> out.put(names.get(v) + "_" + k, a));
        }
        return out;
    }

    /** One parameter, e.g. {@code getParam("fc2_W")}. */
    public NDArray getParam(String key) {
        NDArray a = paramTable().get(key);
        if (a == null) throw new IllegalArgumentException("no parameter '" + key + "'" + GraphNames.closest(key, new ArrayList<>(paramTable().keySet())));
        return a;
    }

    public AbstractLayer getLayer(String name) {
        requireInit();
        AbstractLayer l = vertices[indexOf(name)] == null ? null : vertices[indexOf(name)].layer();
        if (l == null) throw new IllegalArgumentException("'" + name + "' is not a layer vertex");
        return l;
    }

    /** Runtime layers in topological order. */
    public List<AbstractLayer> getLayers() {
        requireInit();
        List<AbstractLayer> out = new ArrayList<>();
        for (int v : topo) if (vertices[v] != null && vertices[v].layer() != null) out.add(vertices[v].layer());
        return out;
    }

    private int indexOf(String name) {
        int i = names.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no vertex '" + name + "'" + GraphNames.closest(name, names));
        return i;
    }

    public int getIterationCount() { return conf.getIterationCount(); }
    public int getEpochCount() { return conf.getEpochCount(); }
    public void setListeners(TrainingListener... ls) { listeners.clear(); listeners.addAll(Arrays.asList(ls)); }
    public void addListeners(TrainingListener... ls) { listeners.addAll(Arrays.asList(ls)); }

    // ---- forward ----------------------------------------------------------------------------

    /** Activations of every vertex (inputs included) by name. */
    public Map<String, NDArray> feedForward(NDArray[] inputs, boolean train) {
        NDArray[] acts = forward(inputs, train, false);
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int v : topo) out.put(names.get(v), acts[v]);
        return out;
    }

    public Map<String, NDArray> feedForward(NDArray input, boolean train) { return feedForward(new NDArray[] {input}, train); }

    /** Network outputs in inference mode, in {@code networkOutputs} order. */
    public NDArray[] output(NDArray... inputs) { return output(false, inputs); }

    public NDArray[] output(boolean train, NDArray... inputs) {
        if (!train) return output(conf.getNetworkOutputs(), false, inputs);
        NDArray[] acts = forward(inputs, train, true);
        List<String> outs = conf.getNetworkOutputs();
        NDArray[] r = new NDArray[outs.size()];
        for (int k = 0; k < r.length; k++) r[k] = acts[names.indexOf(outs.get(k))];
        if (!train) clearCaches();
        return r;
    }

    /**
     * The activations of the named vertices (any vertex, not only network outputs), in that order
     * (DL4J: {@code output(List<String> layers, boolean train, INDArray[] features, INDArray[] masks)}).
     * In inference mode only the vertices they depend on run, intermediate activations go back to a
     * reused pool as soon as nothing reads them, and conv -> batch norm -> ReLU/ReLU6 chains run as
     * one convolution with the batch norm folded in (equal up to float rounding).
     */
    public NDArray[] output(List<String> vertexNames, boolean train, NDArray... inputs) {
        requireInit();
        if (vertexNames == null || vertexNames.isEmpty()) throw new IllegalArgumentException("output: name at least one vertex");
        int[] idx = new int[vertexNames.size()];
        for (int k = 0; k < idx.length; k++) idx[k] = indexOf(vertexNames.get(k));
        if (train) {
            NDArray[] acts = forward(inputs, true, false);
            NDArray[] r = new NDArray[idx.length];
            for (int k = 0; k < r.length; k++) r[k] = acts[idx[k]];
            return r;
        }
        checkInputs(inputs);
        InferencePlan plan = plan(idx);
        try {
            return plan.run(inputs, workspace);
        } finally {
            clearCaches();
        }
    }

    private InferencePlan plan(int[] idx) {
        return plans.computeIfAbsent(Arrays.stream(idx).boxed().toList(),
                k -> new InferencePlan(vertices, inputIdx, topo, conf.getNetworkInputs().size(), idx));
    }

    /** How many inverted-residual blocks inference to these vertices runs fused (for tests). */
    int fusedBlocks(List<String> vertexNames) {
        requireInit();
        return plan(vertexNames.stream().mapToInt(this::indexOf).toArray()).fusedBlocks();
    }

    /** Stem convolutions the inference plan to these vertices joins to their block's step (tests check where it does). */
    int fusedStems(List<String> vertexNames) {
        requireInit();
        return plan(vertexNames.stream().mapToInt(this::indexOf).toArray()).fusedStems();
    }

    /** Convolutions whose max pool the inference plan to these vertices fuses (tests check where it does). */
    int fusedPools(List<String> vertexNames) {
        requireInit();
        return plan(vertexNames.stream().mapToInt(this::indexOf).toArray()).fusedPools();
    }

    /** The training step pool (tests check that steps of one shape reuse it). */
    TrainingArrays stepArrays() { return stepArrays; }

    /** 1x1 convolutions whose global pool the inference plan to these vertices fuses (tests check where it does). */
    int fusedHeadPools(List<String> vertexNames) {
        requireInit();
        return plan(vertexNames.stream().mapToInt(this::indexOf).toArray()).fusedHeadPools();
    }

    /** The inference pool (tests check that repeated batches reuse it). */
    org.dl4jbridge.ndarray.Workspace workspace() { return workspace; }

    /** Lets the garbage collector have the inference pool's buffers (e.g. after featurizing a data set). */
    public void releaseWorkspace() {
        workspace.clear();
        stepArrays.clear();
    }

    /** The single output of a one-output network. */
    public NDArray outputSingle(NDArray... inputs) {
        NDArray[] o = output(inputs);
        if (o.length != 1) throw new IllegalStateException("outputSingle needs a network with one output; this one has " + o.length);
        return o[0];
    }

    private void checkInputs(NDArray[] inputs) {
        List<String> ins = conf.getNetworkInputs();
        if (inputs == null || inputs.length != ins.size()) {
            throw new IllegalArgumentException("the network takes " + ins.size() + " input array(s) " + ins + ", got "
                    + (inputs == null ? 0 : inputs.length));
        }
        int mb = inputs[0].size(0);
        for (NDArray a : inputs) {
            if (a.size(0) != mb) throw new IllegalArgumentException("all inputs must have the same minibatch size, got "
                    + a.size(0) + " and " + mb);
        }
    }

    private NDArray[] forward(NDArray[] inputs, boolean train, boolean releaseEarly) {
        requireInit();
        checkInputs(inputs);
        List<String> ins = conf.getNetworkInputs();
        int n = names.size();
        NDArray[] acts = new NDArray[n];
        int[] remainingUses = new int[n];
        if (releaseEarly) {
            for (int i = 0; i < n; i++) if (inputIdx[i] != null) for (int j : inputIdx[i]) remainingUses[j]++;
            for (String o : conf.getNetworkOutputs()) remainingUses[names.indexOf(o)] += 1;
        }
        for (int i = 0; i < ins.size(); i++) acts[i] = inputs[i];
        for (int v : topo) {
            if (vertices[v] == null) continue;
            NDArray[] in = new NDArray[inputIdx[v].length];
            for (int k = 0; k < in.length; k++) in[k] = acts[inputIdx[v][k]];
            acts[v] = vertices[v].forward(in, train);
            if (releaseEarly) {
                // Free activations no later vertex reads (layers keep their own backprop caches), so deep
                // networks keep only a few activations live at once.
                for (int j : inputIdx[v]) if (--remainingUses[j] == 0 && j >= ins.size()) acts[j] = null;
            }
        }
        return acts;
    }

    /**
     * The training forward pass, with the frozen part (vertices that behave the same in training and
     * inference and read only such vertices or the inputs: frozen layers, and parameter-free layers and
     * vertices without dropout) run as an inference pass to its boundary. Nothing flows back into that
     * part, so it needs no backprop caches; the inference pass reuses pooled activation buffers across
     * minibatches instead of leaving each batch's activations to the garbage collector (off-heap memory
     * then grows to the direct-memory limit), and folds frozen batch norms into their convolutions.
     * Without a frozen part this is the plain training forward.
     */
    private NDArray[] trainingForward(NDArray[] inputs) {
        requireInit();
        checkInputs(inputs);
        int n = names.size(), nIn = conf.getNetworkInputs().size();
        boolean[] frozenPart = new boolean[n];
        for (int i = 0; i < nIn; i++) frozenPart[i] = true;
        for (int v : topo) {
            if (v < nIn || vertices[v] == null) continue;
            boolean f = sameInTraining(vertices[v]);
            for (int j : inputIdx[v]) f &= frozenPart[j];
            frozenPart[v] = f;
        }
        for (String o : conf.getNetworkOutputs()) if (frozenPart[names.indexOf(o)]) return forward(inputs, true, true);
        List<Integer> boundary = new ArrayList<>();
        for (int v : topo) {
            if (v < nIn || vertices[v] == null || frozenPart[v]) continue;
            for (int j : inputIdx[v]) if (j >= nIn && frozenPart[j] && !boundary.contains(j)) boundary.add(j);
        }
        if (boundary.isEmpty()) return forward(inputs, true, true);
        int[] idx = boundary.stream().mapToInt(Integer::intValue).toArray();
        InferencePlan plan = plans.computeIfAbsent(boundary,
                k -> new InferencePlan(vertices, inputIdx, topo, nIn, idx));
        NDArray[] edge;
        try {
            edge = plan.run(inputs, workspace);
        } finally {
            clearCaches();
        }
        NDArray[] acts = new NDArray[n];
        for (int i = 0; i < nIn; i++) acts[i] = inputs[i];
        for (int k = 0; k < idx.length; k++) acts[idx[k]] = edge[k];
        int[] remainingUses = new int[n];
        for (int v = 0; v < n; v++) if (inputIdx[v] != null && !frozenPart[v]) for (int j : inputIdx[v]) remainingUses[j]++;
        for (String o : conf.getNetworkOutputs()) remainingUses[names.indexOf(o)] += 1;
        for (int v : topo) {
            if (vertices[v] == null || frozenPart[v]) continue;
            NDArray[] in = new NDArray[inputIdx[v].length];
            for (int k = 0; k < in.length; k++) in[k] = acts[inputIdx[v][k]];
            acts[v] = vertices[v].forward(in, true);
            for (int j : inputIdx[v]) if (--remainingUses[j] == 0 && j >= nIn) acts[j] = null;
        }
        return acts;
    }

    /** Whether a vertex computes the same in a training pass as in inference, with no backprop needed. */
    private static boolean sameInTraining(VertexImpl v) {
        if (!(v instanceof LayerVertexImpl lv)) {
            return v instanceof ElementWiseVertexImpl || v instanceof MergeVertexImpl || v instanceof PreprocessorVertexImpl;
        }
        AbstractLayer l = lv.layer();
        if (l instanceof FrozenLayerImpl) return true;   // always its inference forward, no parameter gradients
        return l.numParams() == 0 && l.conf().getIDropout() == null
                && (l instanceof org.dl4jbridge.nn.layers.SubsamplingLayerImpl
                    || l instanceof org.dl4jbridge.nn.layers.ActivationLayerImpl
                    || l instanceof org.dl4jbridge.nn.layers.GlobalPoolingLayerImpl
                    || l instanceof org.dl4jbridge.nn.layers.ZeroPaddingLayerImpl
                    || l instanceof org.dl4jbridge.nn.layers.Upsampling2DImpl);
    }

    // ---- score and gradients -----------------------------------------------------------------

    /** Score of the last gradient computation / fit iteration (before its update). */
    public double score() { return score; }

    /** Score (mean loss + regularization) of a DataSet in inference mode. */
    public double score(DataSet ds) { return score(ds, false); }

    public double score(DataSet ds, boolean training) {
        NDArray[] acts = forward(new NDArray[] {ds.getFeatures()}, training, true);
        double s = lossScore(acts, new NDArray[] {ds.getLabels()}) + updater.regularizationScore(flatParams);
        clearCaches();
        return s;
    }

    private double lossScore(NDArray[] acts, NDArray[] labels) {
        List<String> outs = conf.getNetworkOutputs();
        if (labels.length != outs.size()) {
            throw new IllegalArgumentException("the network has " + outs.size() + " outputs " + outs + " but " + labels.length + " label arrays were given");
        }
        double s = 0;
        for (int k = 0; k < outs.size(); k++) {
            int v = names.indexOf(outs.get(k));
            s += outputLayer(v).score(acts[v], labels[k]);
        }
        return s;
    }

    private OutputLayerImpl outputLayer(int v) {
        if (vertices[v] instanceof LayerVertexImpl lv && lv.layer() instanceof OutputLayerImpl o) return o;
        if (vertices[v] instanceof LayerVertexImpl lv && lv.layer() instanceof FrozenLayerImpl f && f.inner() instanceof OutputLayerImpl) {
            throw new IllegalStateException("output '" + names.get(v) + "' is a frozen output layer: it cannot be trained");
        }
        throw new IllegalStateException("output vertex '" + names.get(v) + "' is not an OutputLayer: fit and score need a loss"
                + " (add an OutputLayer, e.g. OutputLayer.Builder(LossFunction.NEGATIVELOGLIKELIHOOD))");
    }

    /** Gradient (summed over the minibatch, into {@link #gradient()}) and score at the current parameters. */
    public void computeGradientAndScore(DataSet ds) { computeGradientAndScore(new NDArray[] {ds.getFeatures()}, new NDArray[] {ds.getLabels()}); }

    public void computeGradientAndScore(NDArray[] inputs, NDArray[] labels) {
        requireInit();
        // The step's activations and gradients come from (and go back to) the step pool: nothing of
        // them is read after the backward pass, so the layers' caches are dropped with them.
        stepArrays.begin();
        for (VertexImpl v : vertices) if (v != null) v.setTrainingArrays(stepArrays);
        try {
            NDArray[] acts = trainingForward(inputs);
            score = lossScore(acts, labels) + updater.regularizationScore(flatParams);
            lastMiniBatch = inputs[0].size(0);
            zeroGradients();
            backward(labels);
        } finally {
            for (VertexImpl v : vertices) if (v != null) v.setTrainingArrays(null);
            clearCaches();
            stepArrays.end();
        }
    }

    /**
     * Zeroes the gradients this step may write. A frozen layer writes none and the updater leaves its
     * (fixed) segments alone, so once zeroed they stay zero: only the trainable layers' segments are
     * zeroed each step (EfficientNet-Lite0 frozen to block13_add: 1.5 of 3.4 M floats).
     */
    private void zeroGradients() {
        NDArray g = gradients();
        if (zeroWholeGradient) {
            g.assign(0f);
            zeroWholeGradient = false;
            return;
        }
        for (int v : topo) {
            AbstractLayer l = vertices[v] == null ? null : vertices[v].layer();
            if (l == null || l.isFrozen() || l.numParams() == 0) continue;
            g.flatSlice(paramStart[v], (int) l.numParams()).assign(0f);
        }
    }

    private void backward(NDArray[] labels) {
        int n = names.size();
        boolean[] trainableUp = new boolean[n];
        for (int v : topo) {
            if (vertices[v] == null) continue;
            boolean t = vertices[v].hasTrainableParams();
            for (int j : inputIdx[v]) t |= trainableUp[j];
            trainableUp[v] = t;
        }
        NDArray[] eps = new NDArray[n];
        List<String> outs = conf.getNetworkOutputs();
        for (int k = 0; k < outs.size(); k++) {
            int v = names.indexOf(outs.get(k));
            if (!trainableUp[v]) continue;
            NDArray[] d = ((LayerVertexImpl) vertices[v]).backwardFromLabels(labels[k], need(v, trainableUp));
            accumulate(eps, inputIdx[v], d);
        }
        for (int t = topo.length - 1; t >= 0; t--) {
            int v = topo[t];
            if (vertices[v] == null || eps[v] == null || !trainableUp[v]) continue;
            accumulate(eps, inputIdx[v], vertices[v].backward(eps[v], need(v, trainableUp)));
            eps[v] = null;
        }
    }

    private boolean[] need(int v, boolean[] trainableUp) {
        boolean[] r = new boolean[inputIdx[v].length];
        for (int k = 0; k < r.length; k++) r[k] = trainableUp[inputIdx[v][k]];
        return r;
    }

    private static void accumulate(NDArray[] eps, int[] targets, NDArray[] d) {
        for (int k = 0; k < targets.length; k++) {
            if (d[k] == null) continue;
            int j = targets[k];
            if (eps[j] == null) {
                eps[j] = d[k];
            } else {
                NDArray sum = eps[j].dup();
                NDArray add = d[k].contiguous();
                for (int i = 0; i < sum.length(); i++) sum.buffer().put(i, sum.buffer().get(i) + add.buffer().get(add.offset() + i));
                eps[j] = sum;
            }
        }
    }

    // ---- training ------------------------------------------------------------------------------

    /** One iteration on one minibatch (DL4J_SPEC 6.1). */
    public void fit(DataSet ds) { fit(new NDArray[] {ds.getFeatures()}, new NDArray[] {ds.getLabels()}); }

    public void fit(NDArray[] inputs, NDArray[] labels) {
        computeGradientAndScore(inputs, labels);
        NeuralNetConfiguration dc = conf.getDefaultConfiguration();
        updater.update(flatParams, flatGrads, lastMiniBatch, dc.isMiniBatch(), conf.getIterationCount(), conf.getEpochCount());
        for (AbstractLayer l : getLayers()) l.applyPendingUpdates();
        clearCaches();
        conf.setIterationCount(conf.getIterationCount() + 1);
        for (TrainingListener l : listeners) l.iterationDone(this, conf.getIterationCount(), conf.getEpochCount(), score);
    }

    /** One epoch over the iterator (reset first if it is exhausted); epochCount += 1. */
    public void fit(DataSetIterator it) {
        requireInit();
        if (!it.hasNext() && it.resetSupported()) it.reset();
        while (it.hasNext()) {
            Interrupts.check("training");
            fit(it.next());
        }
        conf.setEpochCount(conf.getEpochCount() + 1);
        for (TrainingListener l : listeners) l.onEpochEnd(this, conf.getEpochCount());
    }

    public void fit(DataSetIterator it, int numEpochs) {
        if (numEpochs <= 0) throw new IllegalArgumentException("numEpochs must be >= 1, got " + numEpochs);
        for (int e = 0; e < numEpochs; e++) {
            if (e > 0 && it.resetSupported()) it.reset();
            fit(it);
        }
    }

    /** Classification evaluation over the remaining minibatches (reset first if exhausted), inference mode. */
    public Evaluation evaluate(DataSetIterator it) { return evaluate(it, it.getLabels()); }

    public Evaluation evaluate(DataSetIterator it, List<String> labels) { return evaluate(it, labels, null); }

    /** As {@link #evaluate(DataSetIterator)}, reporting each evaluated minibatch to {@code listener} (done, -1, ""). */
    public Evaluation evaluate(DataSetIterator it, ProgressListener listener) {
        return evaluate(it, it.getLabels(), listener);
    }

    public Evaluation evaluate(DataSetIterator it, List<String> labels, ProgressListener listener) {
        requireInit();
        if (!it.hasNext() && it.resetSupported()) it.reset();
        Evaluation e = labels == null ? new Evaluation() : new Evaluation(labels);
        int done = 0;
        while (it.hasNext()) {
            Interrupts.check("evaluation");
            DataSet ds = it.next();
            e.eval(ds.getLabels(), outputSingle(ds.getFeatures()));
            if (listener != null) listener.progress(++done, -1, "");
        }
        return e;
    }

    private void clearCaches() {
        for (VertexImpl v : vertices) if (v != null) v.clearCaches();
    }

    // ---- description ---------------------------------------------------------------------------

    /** DL4J-style table: vertex (type), nIn,nOut, parameter count and shapes, inputs; frozen layers marked. */
    public String summary() {
        requireInit();
        return GraphSummary.of(conf, names, topo, vertices, inputIdx, false);
    }

    /** The summary as DL4J's MultiLayerNetwork prints it (layer names, no input row or inputs column). */
    public String layerSummary() {
        requireInit();
        return GraphSummary.of(conf, names, topo, vertices, inputIdx, true);
    }

    /** A deep copy: same configuration, copied parameters and updater state. */
    @Override
    public ComputationGraph clone() {
        requireInit();
        ComputationGraph g = new ComputationGraph(conf.clone());
        g.init(flatParams, true);
        g.updater.setStateViewArray(updater.getStateViewArray());
        return g;
    }
}
