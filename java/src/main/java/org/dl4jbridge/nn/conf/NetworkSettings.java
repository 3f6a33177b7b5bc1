package org.dl4jbridge.nn.conf;

/**
 * The network-level fields that DL4J's MultiLayerConfiguration and ComputationGraphConfiguration
 * both carry in configuration.json (DL4J_SPEC 3.3), with DL4J's defaults. Iteration and epoch
 * counters here are the authoritative ones (the per-layer copies are not).
 */
public abstract class NetworkSettings {
    private String backpropType = "Standard";
    private int tbpttFwdLength = 20;
    private int tbpttBackLength = 20;
    private String trainingWorkspaceMode = "ENABLED";
    private String inferenceWorkspaceMode = "ENABLED";
    private String cacheMode = "NONE";
    private String dataType = "FLOAT";
    private boolean validateOutputLayerConfig = true;
    private int iterationCount;
    private int epochCount;

    public String getBackpropType() { return backpropType; }
    public void setBackpropType(String t) { this.backpropType = t; }
    public int getTbpttFwdLength() { return tbpttFwdLength; }
    public void setTbpttFwdLength(int v) { this.tbpttFwdLength = v; }
    public int getTbpttBackLength() { return tbpttBackLength; }
    public void setTbpttBackLength(int v) { this.tbpttBackLength = v; }
    public String getTrainingWorkspaceMode() { return trainingWorkspaceMode; }
    public void setTrainingWorkspaceMode(String m) { this.trainingWorkspaceMode = m; }
    public String getInferenceWorkspaceMode() { return inferenceWorkspaceMode; }
    public void setInferenceWorkspaceMode(String m) { this.inferenceWorkspaceMode = m; }
    public String getCacheMode() { return cacheMode; }
    public void setCacheMode(String m) { this.cacheMode = m; }
    public String getDataType() { return dataType; }
    public void setDataType(String t) { this.dataType = t; }
    public boolean isValidateOutputLayerConfig() { return validateOutputLayerConfig; }
    public void setValidateOutputLayerConfig(boolean v) { this.validateOutputLayerConfig = v; }
    public int getIterationCount() { return iterationCount; }
    public void setIterationCount(int v) { this.iterationCount = v; }
    public int getEpochCount() { return epochCount; }
    public void setEpochCount(int v) { this.epochCount = v; }
}
