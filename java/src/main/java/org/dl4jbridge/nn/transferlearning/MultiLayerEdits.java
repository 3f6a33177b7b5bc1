package org.dl4jbridge.nn.transferlearning;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.MultiLayerConfiguration;
import org.dl4jbridge.nn.conf.NeuralNetConfiguration;
import org.dl4jbridge.nn.conf.layers.FeedForwardLayer;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.conf.layers.misc.FrozenLayer;
import org.dl4jbridge.nn.weights.IWeightInit;

/**
 * The edits of a {@link TransferLearning.Builder} (MultiLayerNetwork), applied at build() in a
 * canonical order: fine-tune configuration, nOut/nIn replacements (indices of the original
 * network), removals from the output end, added layers (appended in call order: a stack's order
 * is its meaning), pre-processors, then freezing layers 0..k.
 */
final class MultiLayerEdits {
    record Result(MultiLayerConfiguration conf, Set<Integer> reinitialized, int frozenUpTo) {}

    private record SizeReplace(int layer, long size, IWeightInit scheme, IWeightInit schemeNext) {}

    private final MultiLayerConfiguration original;
    private FineTuneConfiguration fineTune;
    private Integer frozenUpTo;
    private int removeFromOutput;
    private final List<Layer> additions = new ArrayList<>();
    private final Map<Integer, InputPreProcessor> preProcessors = new HashMap<>();
    private final Map<Integer, SizeReplace> nOut = new TreeMap<>();
    private final Map<Integer, SizeReplace> nIn = new TreeMap<>();

    MultiLayerEdits(MultiLayerConfiguration original) {
        this.original = original;
    }

    private int originalCount() { return original.getConfs().size(); }

    void fineTune(FineTuneConfiguration ftc) {
        if (ftc == null) throw new IllegalArgumentException("fineTuneConfiguration(null): pass a FineTuneConfiguration");
        if (fineTune != null && fineTune != ftc) throw new IllegalStateException("fineTuneConfiguration was already set; set it once");
        fineTune = ftc;
    }

    void featureExtractor(int layerNum) {
        requireIndex("setFeatureExtractor", layerNum);
        if (frozenUpTo != null && frozenUpTo != layerNum) {
            throw new IllegalStateException("setFeatureExtractor was already called with " + frozenUpTo + "; call it once");
        }
        frozenUpTo = layerNum;
    }

    void removeOutputLayer() { removeLayersFromOutput(1); }

    void removeLayersFromOutput(int n) {
        if (n < 1 || removeFromOutput + n > originalCount()) {
            throw new IllegalArgumentException("removeLayersFromOutput(" + n + "): the network has " + originalCount()
                    + " layers and " + removeFromOutput + " are already removed");
        }
        removeFromOutput += n;
    }

    void addLayer(Layer layer) {
        if (layer == null) throw new IllegalArgumentException("addLayer(null): pass a layer configuration");
        additions.add(layer.clone());
    }

    void setInputPreProcessor(int layer, InputPreProcessor p) {
        if (layer < 0) throw new IllegalArgumentException("setInputPreProcessor: layer index must be >= 0, got " + layer);
        preProcessors.put(layer, p);
    }

    void nOutReplace(int layer, long size, IWeightInit scheme, IWeightInit schemeNext) {
        requireSized("nOutReplace", layer, size);
        nOut.put(layer, new SizeReplace(layer, size, scheme, schemeNext));
    }

    void nInReplace(int layer, long size, IWeightInit scheme) {
        requireSized("nInReplace", layer, size);
        nIn.put(layer, new SizeReplace(layer, size, scheme, null));
    }

    private void requireIndex(String call, int layer) {
        if (layer < 0 || layer >= originalCount()) {
            throw new IllegalArgumentException(call + "(" + layer + "): layer indices are 0.." + (originalCount() - 1)
                    + " (" + layerNames() + ")");
        }
    }

    private void requireSized(String call, int layer, long size) {
        requireIndex(call, layer);
        if (size < 1) throw new IllegalArgumentException(call + "(" + layer + ", " + size + "): the size must be >= 1");
        if (!(original.getConf(layer).getLayer() instanceof FeedForwardLayer)) {
            throw new IllegalArgumentException(call + "(" + layer + "): layer " + layer + " is "
                    + original.getConf(layer).getLayer() + ", not a layer with nIn/nOut");
        }
    }

    private List<String> layerNames() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < originalCount(); i++) out.add(i + "=" + original.getConf(i).getLayer().getLayerName());
        return out;
    }

    Result apply() {
        MultiLayerConfiguration c = original.clone();
        c.setIterationCount(0);
        c.setEpochCount(0);
        List<NeuralNetConfiguration> confs = c.getConfs();
        if (fineTune != null) {
            // MultiLayerNetwork.init() seeds from layer 0's configuration, which the fine-tune seed replaces.
            for (NeuralNetConfiguration nnc : confs) {
                if (nnc.getLayer() instanceof FrozenLayer f) {
                    NeuralNetConfiguration inner = nnc.clone();
                    inner.setLayer(f.getLayer());
                    fineTune.applyTo(inner);
                    if (fineTune.getSeed() != null) nnc.setSeed(fineTune.getSeed());
                } else {
                    fineTune.applyTo(nnc);
                }
            }
        }
        Set<Integer> reinit = new LinkedHashSet<>();
        int kept = originalCount() - removeFromOutput;
        for (SizeReplace r : nOut.values()) {
            requireKept("nOutReplace", r.layer(), kept);
            reset(confs.get(r.layer()), r.scheme()).setNOut(r.size());
            reinit.add(r.layer());
            if (r.layer() + 1 < kept) {
                Layer next = confs.get(r.layer() + 1).getLayer();
                if (!(next instanceof FeedForwardLayer ff)) {
                    throw new IllegalArgumentException("nOutReplace(" + r.layer() + "): the next layer is " + next
                            + ", whose input size cannot follow; remove or replace it too");
                }
                ff.setNIn(r.size());
                if (r.schemeNext() != null) ff.setWeightInitFn(r.schemeNext());
                reinit.add(r.layer() + 1);
            }
        }
        for (SizeReplace r : nIn.values()) {
            requireKept("nInReplace", r.layer(), kept);
            reset(confs.get(r.layer()), r.scheme()).setNIn(r.size());
            reinit.add(r.layer());
        }
        while (confs.size() > kept) confs.remove(confs.size() - 1);
        c.getInputPreProcessors().keySet().removeIf(i -> i >= kept);
        NeuralNetConfiguration.Builder global = globalBuilder();
        for (Layer l : additions) {
            NeuralNetConfiguration nnc = global.layerConfiguration(l);
            if (nnc.getLayer().getLayerName() == null) nnc.getLayer().setLayerName("layer" + confs.size());
            reinit.add(confs.size());
            confs.add(nnc);
        }
        preProcessors.forEach((i, p) -> {
            if (i >= confs.size()) {
                throw new IllegalArgumentException("setInputPreProcessor(" + i + "): the edited network has " + confs.size() + " layers");
            }
            if (p == null) c.getInputPreProcessors().remove(i); else c.getInputPreProcessors().put(i, p.clone());
        });
        int frozen = frozenUpTo == null ? -1 : frozenUpTo;
        if (frozen >= confs.size() - 1) {
            throw new IllegalArgumentException("setFeatureExtractor(" + frozen + ") would freeze the output layer (layer "
                    + (confs.size() - 1) + " of the edited network), which then could never learn; freeze up to layer "
                    + (confs.size() - 2) + " at most, or remove the output layer and add a new one");
        }
        for (int i = 0; i <= frozen; i++) {
            NeuralNetConfiguration nnc = confs.get(i);
            if (!(nnc.getLayer() instanceof FrozenLayer)) nnc.setLayer(new FrozenLayer(nnc.getLayer()));
        }
        c.validate();
        return new Result(c, reinit, frozen);
    }

    private static void requireKept(String call, int layer, int kept) {
        if (layer >= kept) {
            throw new IllegalArgumentException(call + "(" + layer + ") and removeLayersFromOutput remove that layer: resize it or "
                    + "remove it, not both");
        }
    }

    private FeedForwardLayer reset(NeuralNetConfiguration nnc, IWeightInit scheme) {
        if (nnc.getLayer() instanceof FrozenLayer) {
            throw new IllegalArgumentException("cannot change the size of the frozen layer " + nnc.getLayer().getLayerName());
        }
        return SizeChange.resetLayer((FeedForwardLayer) nnc.getLayer(), scheme, globalBuilder());
    }

    NeuralNetConfiguration.Builder globalBuilder() {
        NeuralNetConfiguration.Builder g = fineTune == null ? new NeuralNetConfiguration.Builder()
                : fineTune.appliedNeuralNetConfigurationBuilder();
        if (fineTune == null || fineTune.getSeed() == null) g.seed(original.getConf(0).getSeed());
        return g;
    }
}
