package org.dl4jbridge.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.dl4jbridge.datasets.ChannelOrder;
import org.dl4jbridge.datasets.DataSetPreProcessor;
import org.dl4jbridge.datasets.EfficientNetLitePreProcessor;
import org.dl4jbridge.datasets.FlowerDataSetIterator;
import org.dl4jbridge.datasets.ImageRecordDataSetIterator;
import org.dl4jbridge.datasets.VGG16ImagePreProcessor;
import org.dl4jbridge.eval.Evaluation;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.util.ModelMetadata;
import org.dl4jbridge.util.ModelSerializer;

/**
 * A JVM team's side of the hand-over: restores the model.zip that `dl4j-bridge lesson` saved from
 * Python and evaluates it on the same flower test split, with no Python involved.
 *
 * <pre>
 *   java -cp $CP org.dl4jbridge.examples.EvaluateFlowers runs/.../model.zip ~/.dl4j-bridge/datasets/flower_photos-.../
 * </pre>
 * The split (seed, batch size, train percentage, subset size) and the input preparation (channel
 * order, pre-processor) are read from dl4j-bridge's metadata entry in the zip.
 */
public final class EvaluateFlowers {
    private EvaluateFlowers() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: EvaluateFlowers model.zip flower_photos_dir");
            System.exit(2);
        }
        Path zip = Path.of(args[0]);
        ModelMetadata meta = ModelSerializer.readMetadata(zip);
        if (meta == null || meta.get("lesson") == null) {
            System.err.println(zip + " has no dl4j-bridge lesson metadata: cannot tell which split it was trained on");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode lesson = json.readTree(meta.get("lesson"));
        JsonNode prep = json.readTree(meta.get("preprocessing"));
        ChannelOrder order = ChannelOrder.valueOf(prep.path("channel_order").asText("BGR"));
        DataSetPreProcessor pre = "VGG16ImagePreProcessor".equals(prep.path("preprocessor").asText())
                ? new VGG16ImagePreProcessor() : new EfficientNetLitePreProcessor();

        ComputationGraph model = ModelSerializer.restoreComputationGraph(zip.toString(), false);
        FlowerDataSetIterator.Iterators data = FlowerDataSetIterator.setup(Path.of(args[1]), lesson.get("batch_size").asInt(),
                lesson.get("train_percent").asInt(), lesson.get("seed").asLong(), order, pre,
                ImageRecordDataSetIterator.defaultDecoderThreads(), lesson.path("max_examples").asInt(0));
        try {
            Evaluation eval = model.evaluate(data.test());
            System.out.println(eval.stats());
            System.out.printf("test accuracy %.4f (recorded in the zip at training time: %s)%n", eval.accuracy(),
                    meta.metrics().get("accuracy") == null ? "n/a" : String.format("%.4f", meta.metrics().get("accuracy")));
        } finally {
            data.close();
        }
    }
}
