package org.dl4jbridge.nn.updater.schedule;

/** Whether a schedule counts iterations or epochs (DL4J: org.nd4j.linalg.schedule.ScheduleType). */
public enum ScheduleType { ITERATION, EPOCH }
