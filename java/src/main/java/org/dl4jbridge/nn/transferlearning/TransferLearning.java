package org.dl4jbridge.nn.transferlearning;

import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.conf.InputPreProcessor;
import org.dl4jbridge.nn.conf.graph.GraphVertex;
import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.nn.conf.layers.Layer;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.multilayer.MultiLayerNetwork;
import org.dl4jbridge.nn.weights.IWeightInit;
import org.dl4jbridge.nn.weights.WeightInit;

/**
 * Editing a trained network into a new one (DL4J: org.deeplearning4j.nn.transferlearning.TransferLearning):
 * {@link GraphBuilder} for ComputationGraphs, {@link Builder} for MultiLayerNetworks.
 *
 * <p>DL4J's semantics for valid input (DL4J_SPEC 5), with three improvements: unknown names are
 * rejected with the closest existing names, the result does not depend on the order in which the
 * kinds of edit are called (edits are applied at build() in a canonical order, see {@link GraphEdits};
 * added vertices keep their call order, as in DL4J), and freezing
 * the output layer is refused.
 */
public final class TransferLearning {
    private TransferLearning() {}

    /** Edits a ComputationGraph (DL4J: TransferLearning.GraphBuilder). */
    public static class GraphBuilder {
        /** The original network, until build() hands it over (see {@link #build()}). */
        private GraphRuntime.Source source;
        private final GraphEdits edits;

        public GraphBuilder(ComputationGraph original) {
            this(GraphRuntime.source(original));
        }

        GraphBuilder(GraphRuntime.Source source) {
            this.source = source;
            this.edits = new GraphEdits(source.configuration());
        }

        /** Edits applied to every existing layer and the defaults of every added layer (spec 5.2). */
        public GraphBuilder fineTuneConfiguration(FineTuneConfiguration ftc) { edits.fineTune(ftc); return this; }

        /** Freezes these vertices and every vertex they depend on, at build() (spec 5.3). */
        public GraphBuilder setFeatureExtractor(String... layerNames) { edits.featureExtractor(layerNames); return this; }

        /** Removes the vertex; vertices and outputs that refer to it keep the name, for a replacement. */
        public GraphBuilder removeVertexKeepConnections(String name) {
            edits.remove(name, GraphEdits.Removal.KEEP_CONNECTIONS);
            return this;
        }

        /** Removes the vertex and every reference to it (inputs of other vertices, network outputs). */
        public GraphBuilder removeVertexAndConnections(String name) {
            edits.remove(name, GraphEdits.Removal.AND_CONNECTIONS);
            return this;
        }

        /** Adds a layer (freshly initialised with the fine-tune seed); unset fields come from the fine-tune configuration. */
        public GraphBuilder addLayer(String name, Layer layer, String... inputs) {
            edits.add(name, layer, null, null, inputs);
            return this;
        }

        public GraphBuilder addLayer(String name, Layer layer, InputPreProcessor preProcessor, String... inputs) {
            edits.add(name, layer, null, preProcessor, inputs);
            return this;
        }

        public GraphBuilder addVertex(String name, GraphVertex vertex, String... inputs) {
            if (vertex == null) throw new IllegalArgumentException("addVertex('" + name + "'): the vertex is null");
            edits.add(name, null, vertex, null, inputs);
            return this;
        }

        /** New nOut for a layer (re-initialised with {@code scheme}); its consumers get nIn = nOut and the same scheme. */
        public GraphBuilder nOutReplace(String layerName, int nOut, WeightInit scheme) {
            return nOutReplace(layerName, nOut, scheme, scheme);
        }

        public GraphBuilder nOutReplace(String layerName, int nOut, WeightInit scheme, WeightInit schemeNext) {
            edits.nOutReplace(layerName, nOut, fn(scheme), fn(schemeNext));
            return this;
        }

        public GraphBuilder nOutReplace(String layerName, int nOut, IWeightInit scheme, IWeightInit schemeNext) {
            edits.nOutReplace(layerName, nOut, scheme, schemeNext);
            return this;
        }

        public GraphBuilder nInReplace(String layerName, int nIn, WeightInit scheme) {
            edits.nInReplace(layerName, nIn, fn(scheme));
            return this;
        }

        public GraphBuilder nInReplace(String layerName, int nIn, IWeightInit scheme) {
            edits.nInReplace(layerName, nIn, scheme);
            return this;
        }

        public GraphBuilder setOutputs(String... outputNames) { edits.setOutputs(outputNames); return this; }

        public GraphBuilder addInputs(String... inputNames) { edits.addInputs(inputNames); return this; }

        /** Replaces the network inputs (TransferLearningHelper uses it for the unfrozen subset graph). */
        public GraphBuilder setInputs(String... inputNames) { edits.setInputs(inputNames); return this; }

        public GraphBuilder setInputTypes(InputType... types) { edits.setInputTypes(types); return this; }

        /** The edited configuration (frozen wrappers included), without building a network. */
        public ComputationGraphConfiguration buildConfiguration() { return edits.apply().conf(); }

        /**
         * The new network: initialised from the fine-tune seed (or the original's), then every layer
         * that was not added or resized gets a copy of the original's parameters. The builder then lets
         * go of the original: a builder can outlive its use (Python's binding keeps the object a method
         * was last called on), and the original's parameters, as large as the new network's, would stay
         * resident with it. Build once per builder.
         */
        public ComputationGraph build() {
            if (source == null) throw spent();
            ComputationGraph g = GraphRuntime.build(source, edits.apply());
            source = null;
            return g;
        }

        private static IWeightInit fn(WeightInit w) { return w == null ? null : w.getWeightInitFunction(); }
    }

    /** Edits a MultiLayerNetwork (DL4J: TransferLearning.Builder); layers are addressed by index. */
    public static class Builder {
        /** The original network, until build() hands it over (as GraphBuilder's). */
        private GraphRuntime.MultiLayerSource source;
        private final MultiLayerEdits edits;

        public Builder(MultiLayerNetwork original) {
            this(GraphRuntime.source(original));
        }

        Builder(GraphRuntime.MultiLayerSource source) {
            this.source = source;
            this.edits = new MultiLayerEdits(source.configuration());
        }

        public Builder fineTuneConfiguration(FineTuneConfiguration ftc) { edits.fineTune(ftc); return this; }

        /** Freezes layers 0..layerNum (inclusive), as DL4J. */
        public Builder setFeatureExtractor(int layerNum) { edits.featureExtractor(layerNum); return this; }

        public Builder nOutReplace(int layerNum, int nOut, WeightInit scheme) { return nOutReplace(layerNum, nOut, scheme, scheme); }

        public Builder nOutReplace(int layerNum, int nOut, WeightInit scheme, WeightInit schemeNext) {
            edits.nOutReplace(layerNum, nOut, GraphBuilder.fn(scheme), GraphBuilder.fn(schemeNext));
            return this;
        }

        public Builder nInReplace(int layerNum, int nIn, WeightInit scheme) {
            edits.nInReplace(layerNum, nIn, GraphBuilder.fn(scheme));
            return this;
        }

        public Builder removeOutputLayer() { edits.removeOutputLayer(); return this; }

        public Builder removeLayersFromOutput(int layerNum) { edits.removeLayersFromOutput(layerNum); return this; }

        /** Appends a layer after the kept ones (in call order among added layers). */
        public Builder addLayer(Layer layer) { edits.addLayer(layer); return this; }

        public Builder setInputPreProcessor(int layer, InputPreProcessor processor) {
            edits.setInputPreProcessor(layer, processor);
            return this;
        }

        public org.dl4jbridge.nn.conf.MultiLayerConfiguration buildConfiguration() { return edits.apply().conf(); }

        /** The new network; kept layers carry the original's parameters, added or resized ones are fresh. */
        public MultiLayerNetwork build() {
            if (source == null) throw spent();
            MultiLayerNetwork n = GraphRuntime.build(source, edits.apply());
            source = null;
            return n;
        }
    }

    private static IllegalStateException spent() {
        return new IllegalStateException("this TransferLearning builder has built its network already and let go of the"
                + " original; for another network make a new builder from the original");
    }
}
