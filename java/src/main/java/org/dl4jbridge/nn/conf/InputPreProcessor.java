package org.dl4jbridge.nn.conf;

import org.dl4jbridge.nn.conf.inputs.InputType;
import org.dl4jbridge.ndarray.NDArray;

/**
 * Reshapes activations between layer kinds (DL4J: org.deeplearning4j.nn.conf.InputPreProcessor):
 * configuration and runtime in one object, as in DL4J.
 */
public interface InputPreProcessor {
    NDArray preProcess(NDArray input, int miniBatchSize);

    /** The gradient w.r.t. the pre-processor's input, given the gradient w.r.t. its output. */
    NDArray backprop(NDArray epsilon, int miniBatchSize);

    InputType getOutputType(InputType inputType);

    InputPreProcessor clone();
}
