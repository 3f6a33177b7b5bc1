package org.dl4jbridge.nn.conf.losses;

/** DL4J's loss names (org.nd4j.linalg.lossfunctions.LossFunctions). */
public final class LossFunctions {
    private LossFunctions() {}

    public enum LossFunction {
        MSE("LossMSE"), MCXENT("LossMCXENT"), NEGATIVELOGLIKELIHOOD("LossNegativeLogLikelihood");

        public static final String IMPL_PACKAGE = "org.nd4j.linalg.lossfunctions.impl.";
        private final String implName;

        LossFunction(String implName) { this.implName = implName; }

        public String implClassName() { return IMPL_PACKAGE + implName; }

        public ILossFunction getILossFunction() { return new ILossFunction(this); }

        public static LossFunction fromImplClass(String fqcn) {
            for (LossFunction l : values()) if (l.implClassName().equals(fqcn)) return l;
            return null;
        }
    }
}
