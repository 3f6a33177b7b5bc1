package org.dl4jbridge.nn.updater.schedule;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A hyper-parameter schedule (DL4J: org.nd4j.linalg.schedule.ISchedule, DL4J_SPEC 3.8): the value at
 * the network's iteration or epoch count. Kinds: Fixed, Step, Exponential, Inverse, Poly, Sigmoid, Map.
 */
public abstract class ISchedule {
    public static final String PACKAGE = "org.nd4j.linalg.schedule.";

    protected final ScheduleType scheduleType;

    protected ISchedule(ScheduleType t) { this.scheduleType = t == null ? ScheduleType.ITERATION : t; }

    public ScheduleType getScheduleType() { return scheduleType; }

    public double valueAt(int iteration, int epoch) { return value(scheduleType == ScheduleType.ITERATION ? iteration : epoch); }

    protected abstract double value(int i);

    public String jsonClassName() { return PACKAGE + getClass().getSimpleName(); }

    /** value (constant). */
    public static final class FixedSchedule extends ISchedule {
        public final double value;
        public FixedSchedule(double value) { super(ScheduleType.ITERATION); this.value = value; }
        @Override protected double value(int i) { return value; }
        @Override public boolean equals(Object o) { return o instanceof FixedSchedule f && f.value == value; }
        @Override public int hashCode() { return Double.hashCode(value); }
    }

    /** initialValue * decayRate^floor(i / step). */
    public static final class StepSchedule extends ISchedule {
        public final double initialValue, decayRate, step;
        public StepSchedule(ScheduleType t, double initialValue, double decayRate, double step) {
            super(t);
            if (!(step > 0)) throw new IllegalArgumentException("StepSchedule step must be > 0, got " + step);
            this.initialValue = initialValue; this.decayRate = decayRate; this.step = step;
        }
        @Override protected double value(int i) { return initialValue * Math.pow(decayRate, Math.floor(i / step)); }
        @Override public boolean equals(Object o) {
            return o instanceof StepSchedule s && s.scheduleType == scheduleType && s.initialValue == initialValue && s.decayRate == decayRate && s.step == step;
        }
        @Override public int hashCode() { return Objects.hash(scheduleType, initialValue, decayRate, step); }
    }

    /** initialValue * gamma^i. */
    public static final class ExponentialSchedule extends ISchedule {
        public final double initialValue, gamma;
        public ExponentialSchedule(ScheduleType t, double initialValue, double gamma) { super(t); this.initialValue = initialValue; this.gamma = gamma; }
        @Override protected double value(int i) { return initialValue * Math.pow(gamma, i); }
        @Override public boolean equals(Object o) {
            return o instanceof ExponentialSchedule s && s.scheduleType == scheduleType && s.initialValue == initialValue && s.gamma == gamma;
        }
        @Override public int hashCode() { return Objects.hash(scheduleType, initialValue, gamma, "exp"); }
    }

    /** initialValue / (1 + gamma*i)^power. */
    public static final class InverseSchedule extends ISchedule {
        public final double initialValue, gamma, power;
        public InverseSchedule(ScheduleType t, double initialValue, double gamma, double power) {
            super(t); this.initialValue = initialValue; this.gamma = gamma; this.power = power;
        }
        @Override protected double value(int i) { return initialValue / Math.pow(1 + gamma * i, power); }
        @Override public boolean equals(Object o) {
            return o instanceof InverseSchedule s && s.scheduleType == scheduleType && s.initialValue == initialValue && s.gamma == gamma && s.power == power;
        }
        @Override public int hashCode() { return Objects.hash(scheduleType, initialValue, gamma, power, "inv"); }
    }

    /** initialValue * (1 - i/maxIter)^power. */
    public static final class PolySchedule extends ISchedule {
        public final double initialValue, power;
        public final int maxIter;
        public PolySchedule(ScheduleType t, double initialValue, double power, int maxIter) {
            super(t);
            if (maxIter <= 0) throw new IllegalArgumentException("PolySchedule maxIter must be > 0, got " + maxIter);
            this.initialValue = initialValue; this.power = power; this.maxIter = maxIter;
        }
        @Override protected double value(int i) { return initialValue * Math.pow(1 - (double) i / maxIter, power); }
        @Override public boolean equals(Object o) {
            return o instanceof PolySchedule s && s.scheduleType == scheduleType && s.initialValue == initialValue && s.power == power && s.maxIter == maxIter;
        }
        @Override public int hashCode() { return Objects.hash(scheduleType, initialValue, power, maxIter); }
    }

    /** initialValue / (1 + exp(-gamma*(i - stepSize))). */
    public static final class SigmoidSchedule extends ISchedule {
        public final double initialValue, gamma;
        public final int stepSize;
        public SigmoidSchedule(ScheduleType t, double initialValue, double gamma, int stepSize) {
            super(t); this.initialValue = initialValue; this.gamma = gamma; this.stepSize = stepSize;
        }
        @Override protected double value(int i) { return initialValue / (1 + Math.exp(-gamma * (i - stepSize))); }
        @Override public boolean equals(Object o) {
            return o instanceof SigmoidSchedule s && s.scheduleType == scheduleType && s.initialValue == initialValue && s.gamma == gamma && s.stepSize == stepSize;
        }
        @Override public int hashCode() { return Objects.hash(scheduleType, initialValue, gamma, stepSize); }
    }

    /** The value of the largest key not above i (keys must include 0). */
    public static final class MapSchedule extends ISchedule {
        public final TreeMap<Integer, Double> values;
        public MapSchedule(ScheduleType t, Map<Integer, Double> values) {
            super(t);
            this.values = new TreeMap<>(values);
            if (!this.values.containsKey(0)) throw new IllegalArgumentException("MapSchedule needs a value for 0, got keys " + this.values.keySet());
        }
        @Override protected double value(int i) { return values.floorEntry(i).getValue(); }
        @Override public boolean equals(Object o) { return o instanceof MapSchedule s && s.scheduleType == scheduleType && s.values.equals(values); }
        @Override public int hashCode() { return Objects.hash(scheduleType, values); }
    }
}
