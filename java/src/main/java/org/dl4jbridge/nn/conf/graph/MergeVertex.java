package org.dl4jbridge.nn.conf.graph;

import org.dl4jbridge.nn.conf.inputs.InputType;

/** Concatenates its inputs along the channel/feature axis (1) in input order (DL4J: MergeVertex). */
public class MergeVertex extends GraphVertex {
    private int mergeAxis = 1;
    private boolean modified;

    public MergeVertex() {}

    public int getMergeAxis() { return mergeAxis; }
    public void setMergeAxis(int axis) {
        if (axis != 1) throw new IllegalArgumentException("MergeVertex: only mergeAxis 1 (channels/features) is supported, got " + axis);
        this.mergeAxis = axis;
    }
    public boolean isModified() { return modified; }
    public void setModified(boolean m) { this.modified = m; }

    @Override public int minVertexInputs() { return 1; }
    @Override public int maxVertexInputs() { return Integer.MAX_VALUE; }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) {
        if (in.length == 1) return in[0];
        if (in[0] instanceof InputType.InputTypeConvolutional c0) {
            long ch = 0;
            for (InputType t : in) {
                if (!(t instanceof InputType.InputTypeConvolutional c) || c.getHeight() != c0.getHeight() || c.getWidth() != c0.getWidth()) {
                    throw new IllegalArgumentException("MergeVertex: convolutional inputs must share height and width, got "
                            + java.util.Arrays.toString(in));
                }
                ch += c.getChannels();
            }
            return InputType.convolutional(c0.getHeight(), c0.getWidth(), ch);
        }
        long size = 0;
        for (InputType t : in) {
            if (!(t instanceof InputType.InputTypeFeedForward)) {
                throw new IllegalArgumentException("MergeVertex: cannot merge " + java.util.Arrays.toString(in));
            }
            size += t.arrayElementsPerExample();
        }
        return InputType.feedForward(size);
    }

    @Override public boolean equals(Object o) { return o instanceof MergeVertex m && m.mergeAxis == mergeAxis; }
    @Override public int hashCode() { return mergeAxis; }
}
