package org.dl4jbridge.spark;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.conf.GraphNames;
import org.dl4jbridge.nn.conf.graph.GraphVertex;
import org.dl4jbridge.nn.conf.graph.LayerVertex;
import org.dl4jbridge.nn.transferlearning.TransferLearningHelper;
import org.dl4jbridge.util.ModelMetadata;
import org.dl4jbridge.util.ModelSerializer;

/**
 * A ComputationGraph over a Spark cluster (DL4J's SparkComputationGraph, for images): featurize,
 * predict and evaluate DataFrames of images, and train the unfrozen head on featurized rows with
 * parameter averaging ({@link ParameterAveragingTrainingMaster}).
 *
 * <p>The model zip is read and checked on the driver (it exists, restores, and has as many outputs
 * as there are labels), so such mistakes fail before any task runs; then its bytes are broadcast,
 * and every executor restores it once and keeps it across tasks ({@link ExecutorModels}).
 *
 * <p>Image DataFrames: a {@code path} column (string), and either Spark's {@code binaryFile}
 * {@code content} column or nothing else (the executors then read the path through Hadoop's file
 * systems). Every other column (a label, an index) is carried through to the result.
 */
public final class SparkImageModel {
    private final SparkSession spark;
    private final JavaSparkContext sc;
    private final String source;
    private final ComputationGraph model; // the driver's copy: checked here, receives the trained head
    private final ImageSpec spec;
    private Broadcast<byte[]> zip; // replaced when training changes the model (publishTrained)
    private String key = "model-" + UUID.randomUUID();

    public SparkImageModel(SparkSession spark, String modelZip, ImageSpec spec) throws IOException {
        if (spark == null) throw new IllegalArgumentException("no SparkSession given");
        if (spec == null) throw new IllegalArgumentException("no ImageSpec given");
        Path path = Path.of(modelZip);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("model zip " + path.toAbsolutePath() + " does not exist (or is not a file): "
                    + "pass the path of a ModelSerializer zip on the driver, e.g. a lesson's runs/<run>/model.zip");
        }
        byte[] bytes = Files.readAllBytes(path);
        this.model = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), false);
        this.spec = spec;
        this.source = path.toString();
        int outputs = outputsOf(model, spec);
        if (outputs != spec.numClasses()) {
            throw new IllegalArgumentException("the model " + path.getFileName() + " has " + outputs + " output classes but "
                    + spec.numClasses() + " labels were given " + Arrays.toString(spec.labels())
                    + ": pass exactly one label per output, in the model's output order");
        }
        this.spark = spark;
        this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.zip = sc.broadcast(bytes);
    }

    private static int outputsOf(ComputationGraph model, ImageSpec spec) {
        NDArray probe = NDArray.zeros(1, 3, spec.height(), spec.width());
        NDArray[] out;
        try {
            out = model.output(false, probe);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the model does not take [n, 3, " + spec.height() + ", " + spec.width()
                    + "] images: " + e.getMessage(), e);
        }
        if (out.length != 1) throw new IllegalArgumentException("the model has " + out.length + " outputs; one is needed");
        return out[0].length();
    }

    public ImageSpec spec() { return spec; }
    public ComputationGraph model() { return model; }
    public SparkSession spark() { return spark; }

    // ---- featurize, predict -----------------------------------------------------------------------

    /**
     * The activations of the frozen part for every image: the input's columns (except content),
     * {@code features} (array of float, null for a failed image) and {@code error}.
     *
     * @param featureVertex the last frozen vertex, e.g. "global_pool"; null: the model's frozen layers
     *                      (as TransferLearning's setFeatureExtractor left them)
     */
    public Dataset<Row> featurize(Dataset<Row> images, String featureVertex) {
        // Fail on the driver, not in a task: an unknown vertex (with the closest names), or no frozen part.
        if (featureVertex != null) {
            List<String> names = model.getConfiguration().vertexNamesByIndex();
            if (!names.contains(featureVertex)) {
                throw new IllegalArgumentException("the model has no vertex '" + featureVertex + "'"
                        + GraphNames.closest(featureVertex, names));
            }
        } else {
            new TransferLearningHelper(model); // leaves a graph whose layers are already frozen as it is
        }
        return map(images, new Featurizer(zip, key, featureVertex), List.of(
                DataTypes.createStructField("features", DataTypes.createArrayType(DataTypes.FloatType, false), true)));
    }

    /** Class probabilities for every image: the input's columns, {@code probabilities}, {@code prediction} (label) and {@code error}. */
    public Dataset<Row> predict(Dataset<Row> images) {
        return map(images, new Predictor(zip, key), List.of(
                DataTypes.createStructField("probabilities", DataTypes.createArrayType(DataTypes.FloatType, false), true),
                DataTypes.createStructField("prediction", DataTypes.StringType, true)));
    }

    /** Evaluation of the whole network on labelled images (label column: class name or index). */
    public SparkEvaluation evaluate(Dataset<Row> images, String labelCol) {
        requireColumn(images.schema(), labelCol, "the label column");
        Dataset<Row> predicted = predict(images).select(labelCol, "probabilities", "error");
        return SparkEvaluation.of(predicted, spec);
    }

    private Dataset<Row> map(Dataset<Row> images, ImageRows.Network network, List<StructField> results) {
        StructType in = images.schema();
        int pathField = requireColumn(in, "path", "the image path column (Spark's binaryFile source has it)");
        int contentField = Arrays.asList(in.fieldNames()).indexOf("content");
        if (contentField >= 0 && !in.fields()[contentField].dataType().equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("column 'content' is " + in.fields()[contentField].dataType().simpleString()
                    + "; it must hold the image file's bytes (binary), as Spark's binaryFile source gives");
        }
        if (!in.fields()[pathField].dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("column 'path' must be a string, got " + in.fields()[pathField].dataType().simpleString());
        }
        List<StructField> out = new ArrayList<>();
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < in.fields().length; i++) {
            if (i == contentField) continue;
            for (StructField r : results) {
                if (r.name().equals(in.fields()[i].name()) || in.fields()[i].name().equals("error")) {
                    throw new IllegalArgumentException("the input already has a column '" + in.fields()[i].name()
                            + "', which the result would overwrite: drop or rename it first");
                }
            }
            kept.add(i);
            out.add(in.fields()[i]);
        }
        out.addAll(results);
        out.add(DataTypes.createStructField("error", DataTypes.StringType, true));
        int[] keptFields = kept.stream().mapToInt(Integer::intValue).toArray();
        ImageSpec s = spec;
        MapPartitionsFunction<Row, Row> f = rows -> new ImageRows(rows, pathField, contentField, keptFields, s, network);
        return images.mapPartitions(f, Encoders.row(DataTypes.createStructType(out)));
    }

    static int requireColumn(StructType schema, String name, String what) {
        int i = Arrays.asList(schema.fieldNames()).indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("the DataFrame has no column '" + name + "' (" + what + "); its columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
        return i;
    }

    // ---- training the head ----------------------------------------------------------------------

    /** Starts parameter-averaging training of the unfrozen head on featurized rows (see the master). */
    public ParameterAveragingTrainingMaster.Run fitFeaturized(ParameterAveragingTrainingMaster master, Dataset<Row> features,
                                                              String labelCol, String orderCol) {
        return master.start(this, features, labelCol, orderCol);
    }

    /** Copies a trained head's parameters into the driver's whole network (the layers share names). */
    void setHead(ComputationGraph head) {
        for (Map.Entry<String, GraphVertex> v : head.getConfiguration().getVertices().entrySet()) {
            if (!(v.getValue() instanceof LayerVertex)) continue;
            String name = v.getKey();
            for (Map.Entry<String, NDArray> p : head.getLayer(name).paramTable().entrySet()) {
                model.getLayer(name).paramTable().get(p.getKey()).assign(p.getValue());
            }
        }
    }

    /**
     * Broadcasts the driver's network as it is now (with the trained head), so that featurize, predict
     * and evaluate use it from here on; executors restore it once, under a new key.
     */
    void publishTrained() {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("dl4j-bridge-spark-", ".zip");
            ModelSerializer.writeModel(model, tmp.toFile(), false);
            Broadcast<byte[]> old = zip;
            zip = sc.broadcast(Files.readAllBytes(tmp));
            ExecutorModels.forget(key);
            key = "model-" + UUID.randomUUID();
            old.unpersist(false);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the trained model for the executors failed", e);
        } finally {
            if (tmp != null) tmp.toFile().delete();
        }
    }

    /** Writes the driver's network (with the trained head) as a DL4J zip, atomically, with dl4j-bridge's metadata. */
    public void writeModel(String path, String metadataJson) throws IOException {
        ModelMetadata meta = metadataJson == null ? null : ModelMetadata.fromJson(metadataJson, "metadata");
        ModelSerializer.writeModel(model, Path.of(path), true, meta);
    }

    String key() { return key; }

    @Override
    public String toString() {
        return "SparkImageModel(" + source + ", " + spec + ")";
    }

    // ---- what executors run -------------------------------------------------------------------------

    private static ComputationGraph restore(Broadcast<byte[]> zip) {
        try {
            return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip.value()), false);
        } catch (IOException e) {
            throw new UncheckedIOException("restoring the broadcast model failed", e);
        }
    }

    private static final class Featurizer implements ImageRows.Network {
        private static final long serialVersionUID = 1L;
        private final Broadcast<byte[]> zip;
        private final String key;
        private final String vertex;

        Featurizer(Broadcast<byte[]> zip, String key, String vertex) {
            this.zip = zip;
            this.key = key + ":featurize:" + vertex;
            this.vertex = vertex;
        }

        @Override
        public NDArray run(NDArray batch) {
            TransferLearningHelper helper = ExecutorModels.borrow(key, () -> vertex == null
                    ? new TransferLearningHelper(restore(zip)) : new TransferLearningHelper(restore(zip), vertex));
            try {
                NDArray f = helper.featurize(new DataSet(batch, NDArray.zeros(batch.size(0), 1))).getFeatures();
                return f.reshape(f.size(0), f.length() / f.size(0));
            } finally {
                ExecutorModels.giveBack(key, helper);
            }
        }

        @Override public Object[] columns(float[] values, ImageSpec spec) { return new Object[] {values}; }
        @Override public int width() { return 1; }
    }

    private static final class Predictor implements ImageRows.Network {
        private static final long serialVersionUID = 1L;
        private final Broadcast<byte[]> zip;
        private final String key;

        Predictor(Broadcast<byte[]> zip, String key) {
            this.zip = zip;
            this.key = key + ":predict";
        }

        @Override
        public NDArray run(NDArray batch) {
            ComputationGraph g = ExecutorModels.borrow(key, () -> restore(zip));
            try {
                return g.output(false, batch)[0].dup(); // the graph reuses its buffers on the next call
            } finally {
                ExecutorModels.giveBack(key, g);
            }
        }

        @Override
        public Object[] columns(float[] p, ImageSpec spec) {
            if (p == null) return new Object[] {null, null};
            int best = 0;
            for (int k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
            return new Object[] {p, spec.labels()[best]};
        }

        @Override public int width() { return 2; }
    }
}
