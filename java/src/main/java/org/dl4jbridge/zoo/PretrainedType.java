package org.dl4jbridge.zoo;

/** DL4J's pretrained weight sets; a model offers some of them. */
public enum PretrainedType {
    IMAGENET, MNIST, CIFAR10, VGGFACE, SEGMENT
}
