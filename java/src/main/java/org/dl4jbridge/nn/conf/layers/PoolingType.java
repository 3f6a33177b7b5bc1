package org.dl4jbridge.nn.conf.layers;

/** Pooling kinds (DL4J: SubsamplingLayer.PoolingType / org.deeplearning4j.nn.conf.layers.PoolingType). */
public enum PoolingType { MAX, AVG, SUM, PNORM }
