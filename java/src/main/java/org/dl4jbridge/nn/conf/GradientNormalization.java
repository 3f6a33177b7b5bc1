package org.dl4jbridge.nn.conf;

/** Per-layer gradient normalization/clipping (DL4J: org.deeplearning4j.nn.conf.GradientNormalization). */
public enum GradientNormalization {
    None, RenormalizeL2PerLayer, RenormalizeL2PerParamType, ClipElementWiseAbsoluteValue, ClipL2PerLayer, ClipL2PerParamType
}
