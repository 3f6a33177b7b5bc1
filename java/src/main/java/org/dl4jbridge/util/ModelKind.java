package org.dl4jbridge.util;

/** DL4J's two model kinds; a zip carries no marker, the configuration's shape tells them apart. */
public enum ModelKind {
    MULTI_LAYER_NETWORK("MultiLayerNetwork", "restoreMultiLayerNetwork"),
    COMPUTATION_GRAPH("ComputationGraph", "restoreComputationGraph");

    private final String dl4jName;
    private final String restoreMethod;

    ModelKind(String dl4jName, String restoreMethod) {
        this.dl4jName = dl4jName;
        this.restoreMethod = restoreMethod;
    }

    /** DL4J's class name, e.g. "ComputationGraph". */
    public String dl4jName() { return dl4jName; }

    /** The ModelSerializer method that restores this kind. */
    public String restoreMethod() { return restoreMethod; }
}
