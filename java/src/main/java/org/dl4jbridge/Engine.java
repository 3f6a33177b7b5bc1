package org.dl4jbridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import org.dl4jbridge.ndarray.Backend;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.Parallel;

/** Facts about the running engine, as JSON, for `dl4j-bridge doctor` and run metadata. */
public final class Engine {
    public static final String VERSION = "0.1.0";

    private Engine() {}

    public static String infoJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode n = mapper.createObjectNode();
        Backend b = Backends.get();
        n.put("engineVersion", VERSION);
        n.put("javaVersion", System.getProperty("java.version"));
        n.put("javaVendor", System.getProperty("java.vendor"));
        n.put("javaHome", System.getProperty("java.home"));
        n.put("classPath", System.getProperty("java.class.path"));
        n.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        n.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        n.put("engineThreads", Parallel.threads());
        n.put("backend", b.name());
        n.put("backendDescription", b.description());
        n.put("blasThreads", b.threads());
        n.put("rounding", org.dl4jbridge.ndarray.ops.Rounding.current().name().toLowerCase(java.util.Locale.ROOT));
        n.putPOJO("backendTried", Backends.tried());
        n.putPOJO("jvmArguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (Exception e) {
            throw new IllegalStateException("could not render engine info", e);
        }
    }

    public static void main(String[] args) {
        System.out.println(infoJson());
    }
}
