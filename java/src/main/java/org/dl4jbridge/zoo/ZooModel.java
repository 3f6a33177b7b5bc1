package org.dl4jbridge.zoo;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.dl4jbridge.datasets.ChannelOrder;
import org.dl4jbridge.datasets.DataSetPreProcessor;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.updater.IUpdater;
import org.dl4jbridge.util.ModelSerializer;

/**
 * A model of the zoo (DL4J: ZooModel). Each model only declares data: its graph, its name in the
 * cache, the URL and Adler-32 of each pretrained weight set, and the input pipeline it needs (plane
 * order and pre-processor); this class owns the download, cache, checksum and restore (DL4J_SPEC 4.1).
 */
public abstract class ZooModel {
    protected final int numClasses;
    protected final long seed;
    protected final IUpdater updater;
    protected final int[] inputShape;

    /** The settings every zoo model's builder takes; each model checks {@code inputShape} itself first. */
    protected ZooModel(int numClasses, long seed, IUpdater updater, int[] inputShape) {
        if (numClasses < 1) throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        this.numClasses = numClasses;
        this.seed = seed;
        this.updater = updater;
        this.inputShape = inputShape.clone();
    }

    /** Folder name under {@code <resources dir>/models/}, e.g. "vgg16". */
    public abstract String modelName();

    /** The graph configuration. */
    public abstract ComputationGraphConfiguration conf();

    /** A new network with random weights (DL4J: ZooModel.init()). */
    public ComputationGraph init() {
        ComputationGraph graph = new ComputationGraph(conf());
        graph.init();
        return graph;
    }

    /** Input shape [channels, height, width] of one example. */
    public int[] inputShape() { return inputShape.clone(); }

    /** Classes of the output layer. */
    public int numClasses() { return numClasses; }

    /** The plane order the image loader must produce for this model. */
    public abstract ChannelOrder channelOrder();

    /** A new instance of the pre-processor this model's inputs need. */
    public abstract DataSetPreProcessor preProcessor();

    /** The pre-processor's class name (org.dl4jbridge.datasets), for messages and the Python side. */
    public String preProcessorName() {
        return preProcessor().getClass().getSimpleName();
    }

    /** The download URL of a weight set, or null when this model has none of that type. */
    public String pretrainedUrl(PretrainedType type) {
        return null;
    }

    /** The Adler-32 of the whole file at {@link #pretrainedUrl}. */
    public long pretrainedChecksum(PretrainedType type) {
        return 0L;
    }

    public boolean pretrainedAvailable(PretrainedType type) {
        return pretrainedUrl(type) != null;
    }

    /** Where DL4J caches that weight set: {@code <resources dir>/models/<model name>/<file name of the URL>}. */
    public Path pretrainedCachePath(PretrainedType type) {
        String url = requireUrl(type);
        String path = URI.create(url).getPath();
        return DL4JResources.getDirectory(ResourceType.ZOO_MODEL, modelName()).resolve(path.substring(path.lastIndexOf('/') + 1));
    }

    /** The cached, verified weight file of a type, downloading it first when it is missing. */
    public Path pretrainedFile(PretrainedType type) throws IOException {
        return PretrainedFiles.ensure(requireUrl(type), pretrainedCachePath(type), pretrainedChecksum(type));
    }

    public ComputationGraph initPretrained() throws IOException {
        return initPretrained(PretrainedType.IMAGENET);
    }

    /**
     * The pretrained network (DL4J: ZooModel.initPretrained): the cached file, downloaded first when
     * missing, its Adler-32 verified, then restored by the legacy-capable ModelSerializer.
     */
    public ComputationGraph initPretrained(PretrainedType type) throws IOException {
        return ModelSerializer.restoreComputationGraph(pretrainedFile(type).toFile());
    }

    String requireUrl(PretrainedType type) {
        if (type == null) throw new IllegalArgumentException("pretrained type is null; use PretrainedType.IMAGENET");
        String url = pretrainedUrl(type);
        if (url == null) throw new UnsupportedOperationException(noWeights(type));
        return url;
    }

    String noWeights(PretrainedType type) {
        StringBuilder offered = new StringBuilder();
        for (PretrainedType t : PretrainedType.values()) if (pretrainedAvailable(t)) offered.append(' ').append(t);
        return getClass().getSimpleName() + " has no pretrained " + type + " weights; available:"
                + (offered.length() == 0 ? " none" : offered.toString());
    }
}
