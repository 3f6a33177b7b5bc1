package org.dl4jbridge.datasets;

/** Plane order of the NCHW output: DL4J's NativeImageLoader gives BGR (OpenCV's order); PyTorch-trained nets want RGB. */
public enum ChannelOrder {
    BGR, RGB
}
