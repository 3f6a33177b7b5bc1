package org.dl4jbridge.nn.conf;

/** Activation layout of 2-D CNN data (DL4J: org.deeplearning4j.nn.conf.CNN2DFormat). Only NCHW runs here. */
public enum CNN2DFormat { NCHW, NHWC }
