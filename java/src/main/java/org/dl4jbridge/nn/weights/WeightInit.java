package org.dl4jbridge.nn.weights;

import org.dl4jbridge.nn.conf.distribution.Distribution;

/** DL4J's weight-init names (org.deeplearning4j.nn.weights.WeightInit) and the scheme each stands for. */
public enum WeightInit {
    DISTRIBUTION, ZERO, ONES, SIGMOID_UNIFORM, NORMAL, LECUN_NORMAL, UNIFORM, XAVIER, XAVIER_UNIFORM, XAVIER_FAN_IN,
    XAVIER_LEGACY, RELU, RELU_UNIFORM, IDENTITY, LECUN_UNIFORM;

    public IWeightInit getWeightInitFunction() { return getWeightInitFunction(null); }

    public IWeightInit getWeightInitFunction(Distribution distribution) {
        return switch (this) {
            case DISTRIBUTION -> {
                if (distribution == null) {
                    throw new IllegalArgumentException("WeightInit.DISTRIBUTION needs a distribution: use "
                            + ".weightInit(new NormalDistribution(mean, std)) or .dist(...)");
                }
                yield new WeightInitDistribution(distribution);
            }
            case ZERO -> new WeightInitConstant(0.0);
            case ONES -> new WeightInitConstant(1.0);
            case SIGMOID_UNIFORM -> new WeightInitSigmoidUniform();
            case NORMAL, LECUN_NORMAL, XAVIER_FAN_IN -> new WeightInitNormal();
            case UNIFORM -> new WeightInitUniform();
            case XAVIER -> new WeightInitXavier();
            case XAVIER_UNIFORM -> new WeightInitXavierUniform();
            case XAVIER_LEGACY -> new WeightInitXavierLegacy();
            case RELU -> new WeightInitRelu();
            case RELU_UNIFORM -> new WeightInitReluUniform();
            case IDENTITY -> new WeightInitIdentity();
            case LECUN_UNIFORM -> new WeightInitLecunUniform();
        };
    }
}
