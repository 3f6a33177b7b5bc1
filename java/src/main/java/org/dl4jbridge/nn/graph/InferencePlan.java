package org.dl4jbridge.nn.graph;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;
import org.dl4jbridge.ndarray.Workspace;
import org.dl4jbridge.ndarray.ops.ChwnLayout;
import org.dl4jbridge.ndarray.ops.ChwnMBConv;
import org.dl4jbridge.ndarray.ops.Conv2DConfig;
import org.dl4jbridge.ndarray.ops.ConvConfig;
import org.dl4jbridge.ndarray.ops.DepthwiseConvolution2D;
import org.dl4jbridge.ndarray.ops.ElementWise;
import org.dl4jbridge.ndarray.ops.FusedActivation;
import org.dl4jbridge.ndarray.ops.FusedMBConv;
import org.dl4jbridge.nn.graph.vertex.ElementWiseVertexImpl;
import org.dl4jbridge.nn.graph.vertex.LayerVertexImpl;
import org.dl4jbridge.nn.graph.vertex.VertexImpl;
import org.dl4jbridge.nn.layers.AbstractLayer;
import org.dl4jbridge.nn.layers.ActivationLayerImpl;
import org.dl4jbridge.nn.layers.BatchNormalizationImpl;
import org.dl4jbridge.nn.layers.ConvolutionLayerImpl;
import org.dl4jbridge.nn.layers.DepthwiseConvolution2DImpl;
import org.dl4jbridge.nn.layers.FrozenLayerImpl;
import org.dl4jbridge.nn.layers.GlobalPoolingLayerImpl;
import org.dl4jbridge.nn.layers.SubsamplingLayerImpl;

/**
 * An inference-mode forward pass of a graph to a chosen set of vertices.
 *
 * <p>Only the ancestors of the requested vertices run. Activations are reference-counted by their
 * readers and handed back to a {@link Workspace} as soon as the last reader has run, so a deep
 * network keeps only a few activations alive and, from the second batch of one shape on,
 * allocates no activation memory at all.
 *
 * <p>A convolution followed by a batch normalization and an element-wise activation (ReLU/ReLU6)
 * runs as one convolution: the batch norm's inference transform is folded into the convolution's
 * weights and bias and the activation becomes its epilogue. That is done only where nothing else
 * reads the intermediate outputs. The folded weights follow the live parameters on every pass, so a
 * parameter change through any route (setParams, fit, a view) can never leave them stale: each pass recomputes
 * the batch norm's scale and shift and the folded bias (per channel, cheap) and compares the weights with a copy
 * of those last folded (one vectorized read, all convolutions on all threads at the start of the pass); only a change
 * refolds them. (Refolding all of EfficientNet-Lite0's 3.4 M weights on every pass cost about 5 ms of a 180 ms batch
 * of 16, single-threaded, under load; the comparison takes about 2.5 ms on one thread, 1.5 ms on two.)
 *
 * <p>An inverted-residual block (1x1 expansion, depthwise, 1x1 projection, each so fused, and the
 * residual add that is the projection's only reader) runs as one {@link ChwnMBConv} or
 * {@link FusedMBConv} ({@link ChwnMBConv#choose}), so its expanded tensor is never stored
 * ({@link ConvConfig#chwnBlocks}, {@link ConvConfig#fuseBlocks}); again only where nothing else
 * reads the intermediate activations. A block without expansion (depthwise, projection) fuses the same way;
 * when such a block (without a residual) is the only reader of a stem convolution (3x3, stride 2, at most 4 input
 * channels: EfficientNet's first layer), the stem joins the block's step, and the block computes it itself where
 * it runs as one {@link FusedMBConv} ({@link FusedMBConv#forwardWithStem}, {@link ConvConfig#fuseStem}): the
 * stem's output is never stored. (Elsewhere, on smaller images, the step runs the stem first.)
 *
 * <p>Blocks on the {@link ChwnMBConv} path read and write the batch-innermost layout ({@link ChwnLayout}), and
 * so do the 1x1 convolutions and global poolings that read such an activation: consecutive CHWN steps pass
 * their activations on as they are. Each activation records its layout; a step that reads it in the other
 * layout gets a converted copy, made once and kept while the activation lives. Requested outputs always come
 * back NCHW, exact copies of what the kernels computed.
 */
final class InferencePlan {
    private final VertexImpl[] vertices;
    private final int[] outputs;
    private final int numInputs;
    private final List<Step> steps = new ArrayList<>();
    /** Readers of each vertex's activation within the plan (requested outputs count as one more). */
    private final int[] readers;
    /** Every convolution step with a folded batch norm, the largest weights first: brought up to date at each pass's start. */
    private final ConvStep[] folds;

    /** One unit of work: computes the activation of {@code target} from those of {@code inputs}. */
    private abstract static class Step {
        final int target;
        final int[] inputs;

        Step(int target, int[] inputs) { this.target = target; this.inputs = inputs; }

        abstract NDArray run(NDArray[] in, Pass pass);

        /**
         * Whether the step reads input {@code k} in the CHWN layout, given whether that activation is CHWN now
         * and its NCHW shape. {@link #run} sees each input in the layout asked for ({@link Pass#inChwn}) and
         * marks a CHWN result ({@link Pass#outChwn}). By default everything is NCHW.
         */
        boolean readsChwn(int k, boolean isChwn, int[] nchwShape) { return false; }
    }

    InferencePlan(VertexImpl[] vertices, int[][] inputIdx, int[] topo, int numInputs, int[] outputs) {
        this.vertices = vertices;
        this.outputs = outputs.clone();
        this.numInputs = numInputs;
        int n = vertices.length;
        boolean[] needed = new boolean[n];
        for (int o : outputs) needed[o] = true;
        for (int t = topo.length - 1; t >= 0; t--) {
            int v = topo[t];
            if (needed[v] && inputIdx[v] != null) for (int j : inputIdx[v]) needed[j] = true;
        }
        boolean[] requested = new boolean[n];
        for (int o : outputs) requested[o] = true;
        List<List<Integer>> consumers = new ArrayList<>();
        for (int i = 0; i < n; i++) consumers.add(new ArrayList<>());
        for (int v : topo) {
            if (!needed[v] || inputIdx[v] == null) continue;
            for (int j : inputIdx[v]) consumers.get(j).add(v);
        }
        boolean[] absorbed = new boolean[n];
        // A fused chain runs at the position of its last vertex: its head's inputs are computed earlier
        // still, and the absorbed vertices have no other reader that could need them sooner.
        Map<Integer, Step> fusedAt = new java.util.HashMap<>();
        for (int v : topo) {
            if (!needed[v] || v < numInputs || absorbed[v]) continue;
            Step fused = fuseFrom(v, inputIdx, consumers, requested, absorbed);
            if (fused != null) fusedAt.put(fused.target, fused);
        }
        for (int v : topo) {
            if (!needed[v] || v < numInputs) continue;
            if (fusedAt.containsKey(v)) {
                steps.add(fusedAt.get(v));
            } else if (!absorbed[v]) {
                steps.add(single(v, inputIdx[v]));
            }
        }
        if (ConvConfig.DEFAULT.fuseBlocks() || ConvConfig.DEFAULT.chwnBlocks()) fuseBlocks(requested);
        if (ConvConfig.DEFAULT.chwnBlocks()) fuseHeadPools(requested);
        readers = stepReads();
        for (int o : outputs) readers[o]++;
        List<ConvStep> f = new ArrayList<>();
        for (Step s : steps) {
            if (s instanceof ConvStep c) f.add(c);
            else if (s instanceof ConvPoolStep cp) f.add(cp.conv);
            else if (s instanceof HeadPoolStep h) f.add(h.conv);
            else if (s instanceof MBConvStep b) {
                if (b.stem != null) f.add(b.stem);
                if (b.expand != null) f.add(b.expand);
                f.add(b.depthwise);
                f.add(b.project);
            }
        }
        f.removeIf(c -> c.bn == null);
        // Each step once: two threads folding one step at a time would race on its buffers. No plan lists a
        // step twice today (the fusions remove the steps they absorb); this keeps a future fusion from racing.
        f = new ArrayList<>(new java.util.LinkedHashSet<>(f));
        f.sort((a, b) -> Integer.compare(b.conv.paramTable().get("W").length(), a.conv.paramTable().get("W").length()));
        folds = f.toArray(new ConvStep[0]);
    }

    private static AbstractLayer unwrap(AbstractLayer l) {
        return l instanceof FrozenLayerImpl f ? f.inner() : l;
    }

    /** The layer of a plain layer vertex (no pre-processor), frozen or not, else null. */
    private AbstractLayer plainLayer(int v) {
        return vertices[v] instanceof LayerVertexImpl lv && lv.preProcessor() == null ? unwrap(lv.layer()) : null;
    }

    /** The single reader of {@code v}, when it has exactly one and {@code v} is not itself requested. */
    private static int onlyReader(int v, List<List<Integer>> consumers, boolean[] requested) {
        List<Integer> c = consumers.get(v);
        return !requested[v] && c.size() == 1 ? c.get(0) : -1;
    }

    private Step fuseFrom(int v, int[][] inputIdx, List<List<Integer>> consumers, boolean[] requested, boolean[] absorbed) {
        if (!(plainLayer(v) instanceof ConvolutionLayerImpl conv) || inputIdx[v].length != 1) return null;
        FusedActivation own = conv.activationFn().fused();
        if (own == null) return null;
        int bnV = onlyReader(v, consumers, requested);
        BatchNormalizationImpl bn = null;
        // Rounding 'dl4j' keeps batch norm a layer of its own, as DL4J runs it: folded into the convolution's
        // weights it would round otherwise.
        if (own == FusedActivation.IDENTITY && bnV >= 0 && plainLayer(bnV) instanceof BatchNormalizationImpl b
                && b.numChannels() == conv.outputChannels() && !ConvConfig.DEFAULT.dl4jOrder()) {
            bn = b;
        }
        if (bn == null) return withPool(new ConvStep(v, inputIdx[v], conv, null, own), consumers, requested, absorbed);
        absorbed[v] = true;
        int target = bnV;
        FusedActivation epilogue = FusedActivation.IDENTITY;
        int actV = onlyReader(bnV, consumers, requested);
        if (actV >= 0 && plainLayer(actV) instanceof ActivationLayerImpl a && a.activationFn().fused() != null) {
            absorbed[bnV] = true;
            target = actV;
            epilogue = a.activationFn().fused();
        }
        return withPool(new ConvStep(target, inputIdx[v], conv, bn, epilogue), consumers, requested, absorbed);
    }

    /**
     * The convolution step and the max pool that is its output's only reader as one {@link ConvPoolStep},
     * when the pool is 2x2 with stride 2 (VGG16's block ends; whether the shapes fuse is decided per pass).
     */
    private Step withPool(ConvStep conv, List<List<Integer>> consumers, boolean[] requested, boolean[] absorbed) {
        int poolV = onlyReader(conv.target, consumers, requested);
        if (poolV < 0 || conv.conv instanceof DepthwiseConvolution2DImpl || !(plainLayer(poolV) instanceof SubsamplingLayerImpl pool)
                || pool.type() != org.dl4jbridge.ndarray.ops.PoolingType.MAX) {
            return conv;
        }
        Conv2DConfig c = pool.poolConfig();
        if (c.kH() != 2 || c.kW() != 2 || c.sH() != 2 || c.sW() != 2) return conv;
        absorbed[conv.target] = true;
        return new ConvPoolStep(poolV, conv, pool);
    }

    /**
     * Replaces each run of steps expansion, depthwise, projection (and a residual add) by one
     * {@link MBConvStep}, where each intermediate activation has that run's next step as its only
     * reader and is not requested.
     */
    private void fuseBlocks(boolean[] requested) {
        int[] reads = stepReads();
        java.util.function.IntPredicate internal = v -> !requested[v] && reads[v] == 1;
        for (int i = 0; i + 1 < steps.size(); i++) {
            // expansion, depthwise, projection; or depthwise, projection (a block without expansion, where the
            // three-step form does not match)
            ConvStep e = null, d, p;
            if (i + 2 < steps.size() && steps.get(i) instanceof ConvStep e0 && steps.get(i + 1) instanceof ConvStep d0
                    && steps.get(i + 2) instanceof ConvStep p0 && pointwise(e0.conv) && d0.conv instanceof DepthwiseConvolution2DImpl
                    && d0.conv.outputChannels() == e0.conv.outputChannels() && d0.inputs.length == 1
                    && d0.inputs[0] == e0.target && internal.test(e0.target)) {
                e = e0;
                d = d0;
                p = p0;
            } else if (steps.get(i) instanceof ConvStep d0 && steps.get(i + 1) instanceof ConvStep p0
                    && d0.conv instanceof DepthwiseConvolution2DImpl && d0.conv.paramTable().get("W").size(3) == 1) {
                d = d0;
                p = p0;
            } else {
                continue;
            }
            Conv2DConfig dwConf = d.conv.convConfig();
            if (!pointwise(p.conv) || !(FusedMBConv.applies(dwConf) || ChwnMBConv.applies(dwConf))
                    || p.inputs.length != 1 || p.inputs[0] != d.target || !internal.test(d.target)) continue;
            int blockIn = e != null ? e.inputs[0] : d.inputs[0], target = p.target, last = i + (e != null ? 2 : 1);
            if (last + 1 < steps.size() && steps.get(last + 1) instanceof ElementWiseStep add && add.op == ElementWise.Op.Add
                    && add.inputs.length == 2 && internal.test(p.target)
                    && ((add.inputs[0] == p.target && add.inputs[1] == blockIn)
                        || (add.inputs[1] == p.target && add.inputs[0] == blockIn))) {
                target = add.target;
                last++;
            }
            // A stem convolution whose output only this block (without expansion or residual) reads runs inside the
            // block where the block runs fused (FusedMBConv.forwardWithStem): EfficientNet's first layer and block 0.
            ConvStep stem = null;
            if (e == null && target == p.target && i > 0 && ConvConfig.DEFAULT.fuseStem()
                    && steps.get(i - 1) instanceof ConvStep s0 && !(s0.conv instanceof DepthwiseConvolution2DImpl)
                    && s0.target == d.inputs[0] && s0.inputs.length == 1 && internal.test(s0.target)
                    && FusedMBConv.stemFits(s0.conv.convConfig(), s0.conv.paramTable().get("W").size(1))) {
                stem = s0;
                blockIn = s0.inputs[0];
            }
            MBConvStep block = new MBConvStep(target, new int[] {blockIn}, stem, e, d, p, target != p.target);
            for (int k = last; k > i; k--) steps.remove(k);
            steps.set(i, block);
            if (stem != null) {
                steps.remove(i - 1);
                i--;
            }
        }
    }

    /**
     * Replaces each 1x1 convolution step whose only reader is a global pooling step (EfficientNet's head) by one
     * {@link HeadPoolStep}, where the convolution's output is not requested.
     */
    private void fuseHeadPools(boolean[] requested) {
        int[] reads = stepReads();
        for (int i = 0; i < steps.size(); i++) {
            if (!(steps.get(i) instanceof ConvStep c) || !pointwise(c.conv) || c.inputs.length != 1 || requested[c.target]
                    || reads[c.target] != 1) continue;
            for (int k = i + 1; k < steps.size(); k++) {
                if (steps.get(k) instanceof GlobalPoolStep gp && gp.inputs.length == 1 && gp.inputs[0] == c.target) {
                    steps.set(k, new HeadPoolStep(gp.target, c.inputs, c, gp.pool));
                    steps.remove(i);
                    i--;
                    break;
                }
            }
        }
    }

    /** How many steps of the plan read each vertex's activation, by vertex index. */
    private int[] stepReads() {
        int[] reads = new int[vertices.length];
        for (Step s : steps) for (int j : s.inputs) reads[j]++;
        return reads;
    }

    /** Steps of the plan that are so (tests check that fusion happens where it should, through the counts below). */
    private int stepsWhere(java.util.function.Predicate<Step> which) {
        int count = 0;
        for (Step s : steps) if (which.test(s)) count++;
        return count;
    }

    /** 1x1 convolutions this plan runs with their global pool. */
    int fusedHeadPools() { return stepsWhere(s -> s instanceof HeadPoolStep); }

    /** Inverted-residual blocks this plan runs fused. */
    int fusedBlocks() { return stepsWhere(s -> s instanceof MBConvStep); }

    /**
     * Stem convolutions joined to their block's step: the block computes them itself where it runs as one
     * {@link FusedMBConv} (large maps), else the step runs them first (tests check where they join).
     */
    int fusedStems() { return stepsWhere(s -> s instanceof MBConvStep b && b.stem != null); }

    private static boolean pointwise(ConvolutionLayerImpl conv) {
        Conv2DConfig c = conv.convConfig();
        return !(conv instanceof DepthwiseConvolution2DImpl) && c.kH() == 1 && c.kW() == 1 && c.sH() == 1 && c.sW() == 1
                && c.pH() == 0 && c.pW() == 0;
    }

    private Step single(int v, int[] ins) {
        if (vertices[v] instanceof ElementWiseVertexImpl ew) return new ElementWiseStep(v, ins, ew.op());
        if (plainLayer(v) instanceof ConvolutionLayerImpl conv && conv.activationFn().fused() != null && ins.length == 1) {
            return new ConvStep(v, ins, conv, null, conv.activationFn().fused());
        }
        if (plainLayer(v) instanceof GlobalPoolingLayerImpl gp && ins.length == 1) return new GlobalPoolStep(v, ins, gp);
        if (plainLayer(v) instanceof SubsamplingLayerImpl pool && ins.length == 1) {
            return new Step(v, ins) {
                @Override NDArray run(NDArray[] in, Pass pass) {
                    NDArray out = pass.ws.take(pool.outputShape(in[0]));
                    pool.inferInto(in[0], out);
                    return out;
                }
            };
        }
        VertexImpl vertex = vertices[v];
        return new Step(v, ins) {
            @Override NDArray run(NDArray[] in, Pass pass) { return vertex.forward(in, false); }
        };
    }

    /** A convolution (optionally with a folded batch norm) with its activation as epilogue, into a pooled buffer. */
    private static final class ConvStep extends Step {
        private final ConvolutionLayerImpl conv;
        private final BatchNormalizationImpl bn;
        private final FusedActivation epilogue;
        private NDArray foldedW, foldedB;
        /** The weights and batch-norm scale that {@link #foldedW} was made from (null: not folded yet). */
        private float[] foldedFromW, foldedFromScale;
        /** Whether {@link #foldedW} and {@link #foldedB} are up to date for the running pass (set and cleared by {@link #run}). */
        private boolean fresh;

        ConvStep(int target, int[] inputs, ConvolutionLayerImpl conv, BatchNormalizationImpl bn, FusedActivation epilogue) {
            super(target, inputs);
            this.conv = conv;
            this.bn = bn;
            this.epilogue = epilogue;
        }

        /** A 1x1 convolution reads an activation that is CHWN already as it is (one GEMM for the whole batch). */
        @Override
        boolean readsChwn(int k, boolean isChwn, int[] nchwShape) {
            return isChwn && pointwise(conv);
        }

        @Override
        NDArray run(NDArray[] in, Pass pass) {
            NDArray x = in[0];
            if (pass.inChwn[0]) {
                int cin = conv.paramTable().get("W").size(1);
                if (x.size(0) != cin) {
                    throw new IllegalArgumentException("layer '" + conv.name() + "': expected " + cin + " input channels, got "
                            + x.size(0) + " (input shape " + Arrays.toString(ChwnLayout.nchwShape(x.shape()))
                            + " as NCHW); check the layer's nIn against the layer before it");
                }
                NDArray out = pass.ws.take(conv.outputChannels(), x.size(1), x.size(2), x.size(3));
                NDArray w = weights();
                ChwnMBConv.pointwise(x.contiguous(), w, bias(), epilogue, out);
                pass.outChwn = true;
                return out;
            }
            NDArray out = pass.ws.take(conv.outputShape(x));
            conv.inferInto(x, weights(), bias(), epilogue, out);
            return out;
        }

        /** The weights to use: the batch norm folded in (recomputed now) or the layer's own. Call before {@link #bias}. */
        NDArray weights() {
            if (bn == null) return conv.paramTable().get("W");
            if (!fresh) fold();
            return foldedW;
        }

        NDArray bias() { return bn == null ? conv.biasVector() : foldedB; }

        /**
         * W' = W * s and b' = b * s + t per output channel, for the batch norm's y = z * s + t: b' always, W' only
         * where W or s differ from those it was last made from.
         */
        private void fold() {
            float[][] st = bn.inferenceScaleShift();
            float[] scale = st[0], shift = st[1];
            NDArray w = conv.paramTable().get("W");
            if (foldedW == null) {
                foldedW = NDArray.zeros(w.shape());
                foldedB = NDArray.zeros(scale.length);
            }
            if (!Arrays.equals(scale, foldedFromScale) || !sameValues(w, foldedFromW)) {
                conv.scaledWeights(scale, foldedW);
                foldedFromW = w.toFloatArray();
                foldedFromScale = scale;
            }
            float[] b = conv.biasVector() == null ? null : conv.biasVector().toFloatArray();
            FloatBuffer fb = foldedB.buffer();
            for (int c = 0; c < scale.length; c++) fb.put(c, (b == null ? 0f : b[c] * scale[c]) + shift[c]);
        }

        /**
         * Whether {@code a} holds {@code values} (FloatBuffer.mismatch: NaN matches NaN, 0 matches -0, which fold
         * to products of equal value); false for a non-contiguous view or null values.
         */
        private static boolean sameValues(NDArray a, float[] values) {
            if (values == null || !a.isContiguous() || a.length() != values.length) return false;
            return a.buffer().slice(a.offset(), values.length).mismatch(FloatBuffer.wrap(values)) < 0;
        }
    }

    /**
     * A convolution step and the 2x2 max pool after it: the pooled output written by the convolution
     * ({@link ConvolutionLayerImpl#inferPooledInto}) where its shapes fuse, otherwise the two one after
     * the other with the convolution's output from and back to the pool.
     */
    private static final class ConvPoolStep extends Step {
        private final ConvStep conv;
        private final SubsamplingLayerImpl pool;

        ConvPoolStep(int target, ConvStep conv, SubsamplingLayerImpl pool) {
            super(target, conv.inputs);
            this.conv = conv;
            this.pool = pool;
        }

        @Override
        NDArray run(NDArray[] in, Pass pass) {
            NDArray x = in[0];
            if (!conv.conv.poolFuses(x, conv.conv.paramTable().get("W"), pool.poolConfig())) {
                NDArray y = conv.run(in, pass);
                NDArray out = pass.ws.take(pool.outputShape(y));
                pool.inferInto(y, out);
                pass.ws.give(y);
                return out;
            }
            int[] shape = conv.conv.outputShape(x); // the pool has no padding here: it halves both sides, rounding down
            NDArray out = pass.ws.take(shape[0], shape[1], shape[2] / 2, shape[3] / 2);
            NDArray w = conv.weights();
            conv.conv.inferPooledInto(x, w, conv.bias(), conv.epilogue, pool.poolConfig(), out);
            return out;
        }
    }

    /** Convolutions this plan runs with their max pool fused. */
    int fusedPools() { return stepsWhere(s -> s instanceof ConvPoolStep); }

    /**
     * An inverted-residual block, its convolutions (with folded batch norms: an optional expansion, the depthwise,
     * the projection) and optional residual in one pass; optionally with the stem convolution before it, whose output
     * the block computes itself where it runs as one {@link FusedMBConv} (otherwise the stem runs first).
     */
    private static final class MBConvStep extends Step {
        private final ConvStep stem, expand, depthwise, project;
        private final boolean residual;

        MBConvStep(int target, int[] inputs, ConvStep stem, ConvStep expand, ConvStep depthwise, ConvStep project,
                   boolean residual) {
            super(target, inputs);
            this.stem = stem;
            this.expand = expand;
            this.depthwise = depthwise;
            this.project = project;
            this.residual = residual;
        }

        private ChwnMBConv.Path path(int[] nchw) {
            return ChwnMBConv.choose(ConvConfig.DEFAULT, depthwise.conv.convConfig(), depthwise.conv.outputChannels(),
                    nchw[2], nchw[3]);
        }

        @Override
        boolean readsChwn(int k, boolean isChwn, int[] nchwShape) {
            // With a stem the input is the image, which the stem reads NCHW.
            return stem == null && nchwShape.length == 4 && path(nchwShape) == ChwnMBConv.Path.CHWN;
        }

        @Override
        NDArray run(NDArray[] in, Pass pass) {
            return stem == null ? block(in, pass) : withStem(in[0], pass);
        }

        /**
         * The stem inside the block where the block runs fused on the stem's output shape; otherwise (smaller images)
         * the stem, then the block on its output in the layout the block's path reads.
         */
        private NDArray withStem(NDArray image, Pass pass) {
            requireRank4(stem.conv, image);
            NDArray x = image.contiguous();
            int[] shape = stem.conv.outputShape(x);
            ChwnMBConv.Path path = path(shape);
            if (path != ChwnMBConv.Path.FUSED) {
                NDArray y = stem.run(new NDArray[] {x}, pass);
                boolean chwn = path == ChwnMBConv.Path.CHWN;
                NDArray yin = y;
                if (chwn) {
                    yin = pass.converted(y, true);
                    pass.ws.give(y);
                }
                pass.inChwn = new boolean[] {chwn};
                NDArray out = block(new NDArray[] {yin}, pass);
                pass.ws.give(yin);
                return out;
            }
            Conv2DConfig dwConf = depthwise.conv.convConfig();
            org.dl4jbridge.ndarray.ops.ConvGeometry g = dwConf.geometry(shape[2], shape[3]);
            NDArray out = pass.ws.take(shape[0], project.conv.outputChannels(), g.outH(), g.outW());
            // weights() before bias(): it refolds the batch norm that bias() then reads.
            NDArray sw = stem.weights(), sb = stem.bias(), dw = depthwise.weights(), db = depthwise.bias();
            NDArray pw = project.weights(), pb = project.bias();
            FusedMBConv.forwardWithStem(x, sw, sb, stem.conv.convConfig(), stem.epilogue, dw, DepthwiseConvolution2D.Layout.DL4J,
                    db, dwConf, depthwise.epilogue, pw, pb, project.epilogue, out);
            return out;
        }

        private NDArray block(NDArray[] in, Pass pass) {
            requireRank4(expand != null ? expand.conv : depthwise.conv, in[0]);
            NDArray x = in[0].contiguous();
            Conv2DConfig dwConf = depthwise.conv.convConfig();
            int[] shape = pass.inChwn[0] ? ChwnLayout.nchwShape(x.shape()) : x.shape();
            ChwnMBConv.Path path = path(shape);
            if (path == ChwnMBConv.Path.LAYERS) return layerByLayer(x, pass);
            org.dl4jbridge.ndarray.ops.ConvGeometry g = dwConf.geometry(shape[2], shape[3]);
            int cout = project.conv.outputChannels();
            // weights() before bias(): it refolds the batch norm that bias() then reads.
            NDArray ew = expand == null ? null : expand.weights(), eb = expand == null ? null : expand.bias();
            FusedActivation ea = expand == null ? FusedActivation.IDENTITY : expand.epilogue;
            NDArray dw = depthwise.weights(), db = depthwise.bias(), pw = project.weights(), pb = project.bias();
            if (path == ChwnMBConv.Path.CHWN) {
                NDArray out = pass.ws.take(cout, g.outH(), g.outW(), shape[0]);
                ChwnMBConv.forward(x, ew, eb, ea, dw, DepthwiseConvolution2D.Layout.DL4J, db, dwConf, depthwise.epilogue,
                        pw, pb, project.epilogue, residual ? x : null, out);
                pass.outChwn = true;
                return out;
            }
            NDArray out = pass.ws.take(shape[0], cout, g.outH(), g.outW());
            FusedMBConv.forward(x, ew, eb, ea, dw, DepthwiseConvolution2D.Layout.DL4J, db, dwConf,
                    depthwise.epilogue, pw, pb, project.epilogue, residual ? x : null, out);
            return out;
        }

        /** Small maps: the steps one after the other, intermediates from and back to the pool. */
        private NDArray layerByLayer(NDArray x, Pass pass) {
            NDArray e = expand == null ? x : expand.run(new NDArray[] {x}, pass);
            NDArray d = depthwise.run(new NDArray[] {e}, pass);
            if (e != x) pass.ws.give(e);
            NDArray p = project.run(new NDArray[] {d}, pass);
            pass.ws.give(d);
            return residual ? ElementWise.forward(ElementWise.Op.Add, new NDArray[] {p, x}, p) : p;
        }
    }

    /**
     * A 1x1 convolution (folded batch norm, activation) and the global pooling that is its only reader: on a CHWN
     * input one {@link ChwnMBConv#pointwisePool}, so the convolution's output is never stored; otherwise the two
     * one after the other.
     */
    private static final class HeadPoolStep extends Step {
        private final ConvStep conv;
        private final GlobalPoolingLayerImpl pool;

        HeadPoolStep(int target, int[] inputs, ConvStep conv, GlobalPoolingLayerImpl pool) {
            super(target, inputs);
            this.conv = conv;
            this.pool = pool;
        }

        @Override
        boolean readsChwn(int k, boolean isChwn, int[] nchwShape) { return isChwn; }

        @Override
        NDArray run(NDArray[] in, Pass pass) {
            NDArray x = in[0];
            if (pass.inChwn[0]) {
                NDArray out = NDArray.zeros(x.size(3), conv.conv.outputChannels());
                NDArray w = conv.weights();
                ChwnMBConv.pointwisePool(x.contiguous(), w, conv.bias(), conv.epilogue, pool.type(), out);
                return pool.shaped(out);
            }
            NDArray y = conv.run(in, pass);
            NDArray out = globalPool(pool, y, false);
            pass.ws.give(y);
            return out;
        }
    }

    /** Global pooling (DL4J's GlobalPoolingLayer over H and W), reading an activation that is CHWN already as it is. */
    private static final class GlobalPoolStep extends Step {
        private final GlobalPoolingLayerImpl pool;

        GlobalPoolStep(int target, int[] inputs, GlobalPoolingLayerImpl pool) {
            super(target, inputs);
            this.pool = pool;
        }

        @Override
        boolean readsChwn(int k, boolean isChwn, int[] nchwShape) { return isChwn; }

        @Override
        NDArray run(NDArray[] in, Pass pass) { return globalPool(pool, in[0], pass.inChwn[0]); }
    }

    /** The layer's global pooling of {@code x} (CHWN when {@code chwn}, else NCHW), shaped as the layer returns it. */
    private static NDArray globalPool(GlobalPoolingLayerImpl pool, NDArray x, boolean chwn) {
        requireRank4(pool, x);
        NDArray out = chwn ? NDArray.zeros(x.size(3), x.size(0)) : NDArray.zeros(x.size(0), x.size(1));
        if (chwn) ChwnLayout.pool(x.contiguous(), pool.type(), out);
        else org.dl4jbridge.ndarray.ops.GlobalPooling.forward(x, pool.type(), out);
        return pool.shaped(out);
    }

    /** Element-wise vertex into a pooled buffer, or in place over a first input that no one reads afterwards. */
    private static final class ElementWiseStep extends Step {
        private final ElementWise.Op op;

        ElementWiseStep(int target, int[] inputs, ElementWise.Op op) {
            super(target, inputs);
            this.op = op;
        }

        @Override
        NDArray run(NDArray[] in, Pass pass) {
            NDArray[] c = new NDArray[in.length];
            for (int k = 0; k < in.length; k++) {
                if (!Arrays.equals(in[k].shape(), in[0].shape())) {
                    throw new IllegalArgumentException("ElementWiseVertex (" + op + "): inputs must have one shape, got "
                            + Arrays.toString(in[0].shape()) + " and " + Arrays.toString(in[k].shape()));
                }
                c[k] = in[k].contiguous();
            }
            NDArray out = pass.canOverwrite(inputs[0], c[0], inputs) ? c[0] : pass.ws.take(in[0].shape());
            return ElementWise.forward(op, c, out);
        }
    }

    /** A layer's input must be an image batch [minibatch, channels, height, width]; the message names the layer. */
    private static void requireRank4(AbstractLayer layer, NDArray x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("layer '" + layer.name() + "': expected [minibatch, channels, height, width] "
                    + "(NCHW) input, got shape " + Arrays.toString(x.shape()));
        }
    }

    /** The state of one forward pass: activations and how many live ones share each pooled buffer. */
    private final class Pass {
        final Workspace ws;
        final NDArray[] acts;
        final int[] remaining;
        final Map<FloatBuffer, Integer> sharers = new IdentityHashMap<>();
        /** Whether each activation is CHWN ({@link ChwnLayout}) rather than NCHW. */
        final boolean[] chwn;
        /** Each activation in the other layout, once a step has asked for it (pooled; dropped with the activation). */
        final NDArray[] converted;
        /** The layouts of the running step's inputs, and whether its result is CHWN (the step sets it). */
        boolean[] inChwn;
        boolean outChwn;

        Pass(Workspace ws, NDArray[] acts) {
            this.ws = ws;
            this.acts = acts;
            this.remaining = readers.clone();
            this.chwn = new boolean[acts.length];
            this.converted = new NDArray[acts.length];
        }

        /** Activation {@code v} in the layout asked for: as it is, or converted once and kept. */
        NDArray read(int v, boolean wantChwn) {
            if (chwn[v] == wantChwn) return acts[v];
            if (converted[v] == null) converted[v] = converted(acts[v], wantChwn);
            return converted[v];
        }

        /** A copy of {@code a} in the other layout (CHWN when {@code wantChwn}), in a pooled buffer. */
        NDArray converted(NDArray a, boolean wantChwn) {
            NDArray c = ws.take(wantChwn ? ChwnLayout.chwnShape(a.shape()) : ChwnLayout.nchwShape(a.shape()));
            if (wantChwn) ChwnLayout.toChwn(a, c);
            else ChwnLayout.toNchw(a.contiguous(), c);
            return c;
        }

        /** Activation {@code v} is no longer needed: it and its converted copy go back to the pool. */
        void release(int v) {
            drop(acts[v]);
            acts[v] = null;
            if (converted[v] != null) {
                ws.give(converted[v]);
                converted[v] = null;
            }
        }

        void hold(NDArray a) {
            if (ws.owns(a)) sharers.merge(a.buffer(), 1, Integer::sum);
        }

        void drop(NDArray a) {
            if (!ws.owns(a)) return;
            int left = sharers.merge(a.buffer(), -1, Integer::sum);
            if (left == 0) {
                sharers.remove(a.buffer());
                ws.give(a);
            }
        }

        /** Whether the step may write into input {@code v}'s activation {@code a}: pooled, unshared, last read, read once. */
        boolean canOverwrite(int v, NDArray a, int[] stepInputs) {
            if (remaining[v] != 1 || a != acts[v] || !ws.owns(a) || sharers.getOrDefault(a.buffer(), 0) != 1) return false;
            int reads = 0;
            for (int j : stepInputs) if (j == v) reads++;
            return reads == 1;
        }
    }

    /**
     * Runs the plan on {@code inputs} (network inputs in order) and returns the requested activations
     * in order; none of them lies in the workspace (pooled ones are copied out).
     */
    NDArray[] run(NDArray[] inputs, Workspace ws) {
        NDArray[] acts = new NDArray[vertices.length];
        for (int i = 0; i < numInputs; i++) acts[i] = inputs[i];
        Pass pass = new Pass(ws, acts);
        try {
            // All folds first, on all threads (mostly the comparison of the weights with those last folded, a
            // memory-bound read that one core alone does at half the speed); each is marked fresh for this pass only.
            Parallel.dynamic(folds.length, i -> {
                folds[i].fold();
                folds[i].fresh = true;
            });
            for (Step s : steps) {
                NDArray[] in = new NDArray[s.inputs.length];
                boolean[] inChwn = new boolean[in.length];
                for (int k = 0; k < in.length; k++) {
                    int j = s.inputs[k];
                    boolean isChwn = pass.chwn[j];
                    int[] shape = isChwn ? ChwnLayout.nchwShape(acts[j].shape()) : acts[j].shape();
                    inChwn[k] = s.readsChwn(k, isChwn, shape);
                    in[k] = pass.read(j, inChwn[k]);
                }
                pass.inChwn = inChwn;
                pass.outChwn = false;
                NDArray out = s.run(in, pass);
                acts[s.target] = out;
                pass.chwn[s.target] = pass.outChwn;
                pass.hold(out);
                for (int j : s.inputs) {
                    if (--pass.remaining[j] == 0) pass.release(j);
                }
            }
            NDArray[] result = new NDArray[outputs.length];
            for (int k = 0; k < outputs.length; k++) {
                NDArray a = pass.read(outputs[k], false);
                result[k] = ws.owns(a) ? a.dup() : a;
            }
            for (int o : outputs) {
                if (--pass.remaining[o] == 0 && acts[o] != null) pass.release(o);
            }
            return result;
        } catch (RuntimeException | Error e) {
            // A failed pass leaves its buffers half-accounted: start the pool afresh rather than risk aliasing.
            ws.clear();
            throw e;
        } finally {
            // The parameters may change before the next pass: it folds again (or finds nothing changed).
            for (ConvStep c : folds) c.fresh = false;
        }
    }
}
