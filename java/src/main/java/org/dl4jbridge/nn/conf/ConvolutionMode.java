package org.dl4jbridge.nn.conf;

/** How convolution/pooling output sizes are computed (DL4J: org.deeplearning4j.nn.conf.ConvolutionMode). */
public enum ConvolutionMode { Strict, Truncate, Same, Causal }
