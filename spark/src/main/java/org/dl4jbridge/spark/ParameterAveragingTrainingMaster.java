package org.dl4jbridge.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.transferlearning.TransferLearningHelper;
import scala.Tuple2;

/**
 * DL4J's ParameterAveragingTrainingMaster for the unfrozen head, on featurized rows: every
 * "split" gives each of {@code workers} workers {@code averagingFrequency} minibatches of
 * {@code batchSizePerWorker} examples; the workers start from the same parameters and updater
 * state, fit their minibatches, and the driver averages parameters and updater state (DL4J's
 * defaults: saveUpdater, averaged). The examples keep their order (the {@code orderCol} column):
 * worker {@code w} of split {@code s} gets the contiguous block
 * {@code [s*W*B*F + w*B*F, s*W*B*F + (w+1)*B*F)}, so with one worker training is exactly the
 * single-machine fit over the same minibatches, whatever the averaging frequency.
 *
 * <p>Unlike DL4J the examples are not reshuffled into random splits each epoch: the single-machine
 * lesson does not shuffle either, and a fixed order makes runs repeatable.
 */
public final class ParameterAveragingTrainingMaster implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int workers;
    private final int batchSizePerWorker;
    private final int averagingFrequency;

    private ParameterAveragingTrainingMaster(Builder b) {
        this.workers = b.workers;
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.averagingFrequency = b.averagingFrequency;
    }

    public int getNumWorkers() { return workers; }
    public int getBatchSizePerWorker() { return batchSizePerWorker; }
    public int getAveragingFrequency() { return averagingFrequency; }

    /** DL4J's builder: {@code new Builder(numWorkers, batchSizePerWorker).averagingFrequency(5).build()}. */
    public static final class Builder {
        private final int workers;
        private final int batchSizePerWorker;
        private int averagingFrequency = 5; // DL4J's default

        public Builder(int numWorkers, int batchSizePerWorker) {
            if (numWorkers < 1) throw new IllegalArgumentException("numWorkers = " + numWorkers + " must be at least 1");
            if (batchSizePerWorker < 1) {
                throw new IllegalArgumentException("batchSizePerWorker = " + batchSizePerWorker + " must be at least 1");
            }
            this.workers = numWorkers;
            this.batchSizePerWorker = batchSizePerWorker;
        }

        public Builder averagingFrequency(int frequency) {
            if (frequency < 1) throw new IllegalArgumentException("averagingFrequency = " + frequency + " must be at least 1");
            this.averagingFrequency = frequency;
            return this;
        }

        public ParameterAveragingTrainingMaster build() { return new ParameterAveragingTrainingMaster(this); }
    }

    @Override
    public String toString() {
        return "ParameterAveragingTrainingMaster(workers=" + workers + ", batchSizePerWorker=" + batchSizePerWorker
                + ", averagingFrequency=" + averagingFrequency + ")";
    }

    Run start(SparkImageModel model, Dataset<Row> features, String labelCol, String orderCol) {
        return new Run(this, model, features, labelCol, orderCol);
    }

    /** One example: its position in the training order, its features and its class. */
    static final class Example implements Serializable {
        private static final long serialVersionUID = 1L;
        final float[] features;
        final int label;

        Example(float[] features, int label) {
            this.features = features;
            this.label = label;
        }
    }

    /** Position p goes to the worker that owns it in every split. */
    static final class WorkerPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int workers;
        private final long perWorker;

        WorkerPartitioner(int workers, long perWorker) {
            this.workers = workers;
            this.perWorker = perWorker;
        }

        @Override public int numPartitions() { return workers; }

        @Override
        public int getPartition(Object key) {
            long p = (Long) key;
            return (int) ((p % (perWorker * workers)) / perWorker);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof WorkerPartitioner w && w.workers == workers && w.perWorker == perWorker;
        }

        @Override public int hashCode() { return Long.hashCode(perWorker) * 31 + workers; }
    }

    /**
     * A training run: the featurized rows, numbered and placed on their workers once (cached), and
     * the head's state on the driver between splits. Call {@link #fitEpoch()} per epoch,
     * {@link #evaluate} whenever, {@link #close()} at the end: the driver's model then holds the trained
     * head, and the model's featurize / predict / evaluate use it.
     */
    public static final class Run implements AutoCloseable {
        private final ParameterAveragingTrainingMaster master;
        private final SparkImageModel model;
        private final JavaSparkContext sc;
        private final ImageSpec spec;
        private final ComputationGraph head; // driver copy: the averaged state lives here
        private final Broadcast<String> headConf;
        private final JavaPairRDD<Long, Example> placed;
        private final long examples;
        private final String key;
        private final List<Double> splitScores = new ArrayList<>();
        private int epochs;

        Run(ParameterAveragingTrainingMaster master, SparkImageModel model, Dataset<Row> features, String labelCol, String orderCol) {
            SparkImageModel.requireColumn(features.schema(), labelCol, "the label column");
            SparkImageModel.requireColumn(features.schema(), orderCol, "the column giving the examples' order");
            SparkImageModel.requireColumn(features.schema(), "features", "featurize()'s output");
            this.master = master;
            this.model = model;
            this.spec = model.spec();
            this.sc = JavaSparkContext.fromSparkContext(model.spark().sparkContext());
            this.head = new TransferLearningHelper(model.model()).unfrozenGraph();
            this.headConf = sc.broadcast(head.getConfiguration().toJson());
            this.key = model.key() + ":head:" + java.util.UUID.randomUUID();
            ImageSpec s = spec;
            // Rows whose image failed to featurize are left out (they have no features); the rest are
            // numbered 0..n-1 in orderCol's order and sent to their workers, sorted, once for all epochs.
            JavaPairRDD<Long, Example> numbered = features.where(functions.col("error").isNull())
                    .select(functions.col(orderCol), functions.col("features"), functions.col(labelCol))
                    .javaRDD()
                    .sortBy(r -> ((Number) r.get(0)).longValue(), true, Math.max(1, features.rdd().getNumPartitions()))
                    .zipWithIndex()
                    .mapToPair(t -> new Tuple2<>(t._2(), new Example(toFloats(t._1().getList(1)), s.classIndex(t._1().get(2)))));
            long perWorker = (long) master.batchSizePerWorker * master.averagingFrequency;
            this.placed = numbered.repartitionAndSortWithinPartitions(new WorkerPartitioner(master.workers, perWorker))
                    .persist(StorageLevel.MEMORY_AND_DISK());
            this.examples = placed.count();
            if (examples == 0) throw new IllegalArgumentException("no featurized rows to train on (every row has an error?)");
        }

        private static float[] toFloats(List<Object> values) {
            float[] out = new float[values.size()];
            for (int i = 0; i < out.length; i++) out[i] = ((Number) values.get(i)).floatValue();
            return out;
        }

        public long numExamples() { return examples; }
        public int epochsDone() { return epochs; }
        public ComputationGraph head() { return head; }

        /** Scores of every split so far (the workers' mean minibatch loss). */
        public double[] splitScores() { return splitScores.stream().mapToDouble(Double::doubleValue).toArray(); }

        /** One pass over the examples; returns this epoch's split scores. */
        public double[] fitEpoch() {
            long perSplit = (long) master.workers * master.batchSizePerWorker * master.averagingFrequency;
            long splits = (examples + perSplit - 1) / perSplit;
            int before = splitScores.size();
            for (long split = 0; split < splits; split++) fitSplit(split);
            epochs++;
            head.getConfiguration().setEpochCount(head.getConfiguration().getEpochCount() + 1);
            model.setHead(head);
            return splitScores.subList(before, splitScores.size()).stream().mapToDouble(Double::doubleValue).toArray();
        }

        private void fitSplit(long split) {
            float[] params = head.params().toFloatArray();
            float[] state = head.getUpdater().getStateViewArray().toFloatArray();
            int iteration = head.getConfiguration().getIterationCount();
            int epoch = head.getConfiguration().getEpochCount();
            Broadcast<float[][]> start = sc.broadcast(new float[][] {params, state});
            long perWorker = (long) master.batchSizePerWorker * master.averagingFrequency;
            long lo = split * perWorker * master.workers, hi = lo + perWorker * master.workers;
            int batch = master.batchSizePerWorker, classes = spec.numClasses();
            Broadcast<String> conf = headConf;
            String k = key;
            List<WorkerResult> results;
            try {
                results = placed.mapPartitions(it -> work(it, lo, hi, batch, classes,
                        conf, start, iteration, epoch, k)).collect();
            } finally {
                start.destroy();
            }
            if (results.isEmpty()) throw new IllegalStateException("split " + split + " gave no worker any example");
            float[] p = new float[params.length], u = new float[state.length];
            double score = 0;
            int iterations = iteration;
            for (WorkerResult r : results) {
                for (int i = 0; i < p.length; i++) p[i] += r.params[i];
                for (int i = 0; i < u.length; i++) u[i] += r.state[i];
                score += r.score;
                iterations = Math.max(iterations, r.iteration);
            }
            int n = results.size();
            for (int i = 0; i < p.length; i++) p[i] /= n;
            for (int i = 0; i < u.length; i++) u[i] /= n;
            head.setParams(NDArray.of(p, 1, p.length));
            if (u.length > 0) head.getUpdater().setStateViewArray(NDArray.of(u, u.length));
            head.getConfiguration().setIterationCount(iterations);
            splitScores.add(score / n);
        }

        /** The head's evaluation on featurized rows (label column: class name or index). */
        public SparkEvaluation evaluate(Dataset<Row> features, String labelCol) {
            SparkImageModel.requireColumn(features.schema(), labelCol, "the label column");
            Broadcast<float[][]> now = sc.broadcast(new float[][] {head.params().toFloatArray()});
            Broadcast<String> conf = headConf;
            ImageSpec s = spec;
            String k = key;
            try {
                SparkEvaluation.Counts total = features.select(functions.col(labelCol), functions.col("features"), functions.col("error"))
                        .javaRDD()
                        .mapPartitions(it -> Collections.singletonList(evaluatePartition(it, s, conf, now, k)).iterator())
                        .reduce(SparkEvaluation.Counts::merge);
                return SparkEvaluation.fromCounts(total, s);
            } finally {
                now.destroy();
            }
        }

        @Override
        public void close() {
            model.setHead(head);
            model.publishTrained();
            placed.unpersist(false);
            headConf.destroy();
            String k = key;
            // Executors drop their head copies lazily: a tiny job per partition would not reach every executor.
            ExecutorModels.forget(k);
        }
    }

    static final class WorkerResult implements Serializable {
        private static final long serialVersionUID = 1L;
        final float[] params;
        final float[] state;
        final double score;
        final int iteration;

        WorkerResult(float[] params, float[] state, double score, int iteration) {
            this.params = params;
            this.state = state;
            this.score = score;
            this.iteration = iteration;
        }
    }

    private static ComputationGraph headFrom(Broadcast<String> conf) {
        ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(conf.value()));
        g.init();
        return g;
    }

    /** One worker's share of one split: its examples in [lo, hi), minibatch by minibatch, from the broadcast state. */
    private static Iterator<WorkerResult> work(Iterator<Tuple2<Long, Example>> it, long lo, long hi, int batch, int classes,
                                               Broadcast<String> conf, Broadcast<float[][]> start, int iteration, int epoch,
                                               String key) {
        List<Example> mine = new ArrayList<>();
        while (it.hasNext()) {
            Tuple2<Long, Example> t = it.next();
            if (t._1() < lo) continue;
            if (t._1() >= hi) break; // sorted: the rest belong to later splits
            mine.add(t._2());
        }
        if (mine.isEmpty()) return Collections.emptyIterator();
        ComputationGraph head = ExecutorModels.borrow(key, () -> headFrom(conf));
        try {
            head.setParams(NDArray.of(start.value()[0], 1, start.value()[0].length));
            float[] state = start.value()[1];
            if (state.length > 0) head.getUpdater().setStateViewArray(NDArray.of(state, state.length));
            head.getConfiguration().setIterationCount(iteration);
            head.getConfiguration().setEpochCount(epoch);
            double score = 0;
            int fits = 0;
            for (int from = 0; from < mine.size(); from += batch) {
                head.fit(minibatch(mine.subList(from, Math.min(mine.size(), from + batch)), classes));
                score += head.score();
                fits++;
            }
            return Collections.singletonList(new WorkerResult(head.params().toFloatArray(),
                    head.getUpdater().getStateViewArray().toFloatArray(), score / fits,
                    head.getConfiguration().getIterationCount())).iterator();
        } finally {
            ExecutorModels.giveBack(key, head);
        }
    }

    private static DataSet minibatch(List<Example> examples, int classes) {
        int n = examples.size(), d = examples.get(0).features.length;
        float[] x = new float[n * d], y = new float[n * classes];
        for (int i = 0; i < n; i++) {
            Example e = examples.get(i);
            if (e.features.length != d) {
                throw new IllegalArgumentException("featurized rows differ in length (" + d + " and " + e.features.length + ")");
            }
            System.arraycopy(e.features, 0, x, i * d, d);
            y[i * classes + e.label] = 1f;
        }
        return new DataSet(NDArray.of(x, n, d), NDArray.of(y, n, classes));
    }

    private static SparkEvaluation.Counts evaluatePartition(Iterator<Row> rows, ImageSpec spec, Broadcast<String> conf,
                                                            Broadcast<float[][]> params, String key) {
        SparkEvaluation.Counts counts = new SparkEvaluation.Counts(spec.numClasses());
        ComputationGraph head = ExecutorModels.borrow(key, () -> headFrom(conf));
        try {
            head.setParams(NDArray.of(params.value()[0], 1, params.value()[0].length));
            List<Row> chunk = new ArrayList<>();
            while (rows.hasNext()) {
                chunk.add(rows.next());
                if (chunk.size() == spec.batchSize() || !rows.hasNext()) {
                    evaluateChunk(chunk, head, spec, counts);
                    chunk.clear();
                }
            }
            return counts;
        } finally {
            ExecutorModels.giveBack(key, head);
        }
    }

    private static void evaluateChunk(List<Row> chunk, ComputationGraph head, ImageSpec spec, SparkEvaluation.Counts counts) {
        List<float[]> x = new ArrayList<>();
        List<Integer> actual = new ArrayList<>();
        for (Row r : chunk) {
            String error = r.isNullAt(2) ? null : r.getString(2);
            try {
                if (error != null) throw new IllegalArgumentException(error);
                if (r.isNullAt(0)) throw new IllegalArgumentException("the row has no label");
                int a = spec.classIndex(r.get(0));
                x.add(toFloats(r.getList(1)));
                actual.add(a);
            } catch (IllegalArgumentException e) {
                counts.rows++;
                counts.errors++;
                if (counts.messages.size() < 10) counts.messages.add(e.getMessage());
            }
        }
        if (x.isEmpty()) return;
        int n = x.size(), d = x.get(0).length;
        float[] flat = new float[n * d];
        for (int i = 0; i < n; i++) System.arraycopy(x.get(i), 0, flat, i * d, d);
        NDArray out = head.output(false, NDArray.of(flat, n, d))[0];
        int c = spec.numClasses();
        float[] p = out.toFloatArray();
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int k = 1; k < c; k++) if (p[i * c + k] > p[i * c + best]) best = k;
            counts.addPrediction(actual.get(i), best);
        }
    }

    private static float[] toFloats(List<Object> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) values.get(i)).floatValue();
        return out;
    }
}
