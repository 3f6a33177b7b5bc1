package org.dl4jbridge.nn.conf.dropout;

/** Marker for dropout configurations (DL4J: org.deeplearning4j.nn.conf.dropout.IDropout). */
public interface IDropout {
    IDropout clone();
}
