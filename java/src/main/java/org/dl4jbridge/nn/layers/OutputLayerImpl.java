package org.dl4jbridge.nn.layers;

import java.util.Arrays;
import org.dl4jbridge.nn.conf.layers.BaseOutputLayer;
import org.dl4jbridge.nn.conf.losses.ILossFunction;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.ops.LossFunction;

/** Dense output layer with a loss (DL4J_SPEC 6.3): score = mean per-example loss, gradient summed. */
public class OutputLayerImpl extends DenseLayerImpl {
    private final LossFunction loss;
    private final double clipEps;

    public OutputLayerImpl(BaseOutputLayer conf) {
        super(conf);
        ILossFunction l = conf.getLossFn();
        if (l == null) throw new IllegalArgumentException("output layer '" + conf.getLayerName() + "' has no loss function");
        if (l.getWeights() != null) throw new IllegalArgumentException("output layer '" + conf.getLayerName() + "': per-class loss weights are not supported");
        this.loss = LossFunction.valueOf(l.getType().name());
        this.clipEps = l.getSoftmaxClipEps();
    }

    private void checkLabels(NDArray a, NDArray labels) {
        if (labels.rank() != 2 || labels.size(0) != a.size(0) || labels.size(1) != nOut) {
            String hint = labels.rank() == 2 && labels.size(0) == a.size(0)
                    ? " (wrong number of classes: labels have " + labels.size(1) + " columns, the output layer has nOut=" + nOut + ")" : "";
            throw new IllegalArgumentException("output layer '" + name() + "': labels must be [" + a.size(0) + ", " + nOut + "], got "
                    + Arrays.toString(labels.shape()) + hint);
        }
    }

    /** Mean loss over the minibatch for activations {@code a} (the forward output). */
    public double score(NDArray a, NDArray labels) {
        checkLabels(a, labels);
        return loss.score(a, labels.contiguous(), act.op(), clipEps);
    }

    /** Per-example losses. */
    public double[] scoreExamples(NDArray a, NDArray labels) {
        checkLabels(a, labels);
        return loss.scoreArray(a, labels.contiguous(), act.op(), clipEps);
    }

    /** Backward from labels: fills gradients, returns dL/dinput (per example, summed convention). */
    public NDArray backpropLabels(NDArray labels, boolean needInputGradient) {
        if (output == null || input == null) throw new IllegalStateException("output layer '" + name() + "': no training forward pass");
        checkLabels(output, labels);
        NDArray dz = loss.gradient(output, labels.contiguous(), act.op(), act.alpha(), NDArray.zeros(output.shape()));
        return maskInputGradient(backwardFromPreActivation(dz, needInputGradient));
    }
}
