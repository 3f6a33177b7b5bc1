package org.dl4jbridge.zoo;

/** The kinds of DL4J downloads and the sub-folder of the resources directory each lives in. */
public enum ResourceType {
    DATASET("datasets"), ZOO_MODEL("models"), RESOURCE("resources");

    private final String folder;

    ResourceType(String folder) {
        this.folder = folder;
    }

    public String folder() {
        return folder;
    }
}
