package org.dl4jbridge.ndarray.cuda;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** What `dl4j-bridge doctor` shows about CUDA: never throws, reports why the GPU is not usable instead. */
public final class CudaInfo {
    private CudaInfo() {}

    public static String json() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode n = mapper.createObjectNode();
        n.putPOJO("searchDirs", CudaLibraries.searchDirs().stream().map(Object::toString).toList());
        n.putPOJO("versions", CudaLibraries.versions());
        try {
            CudaDevice d = CudaDevice.get();
            long[] mem = d.memoryInfo();
            n.put("usable", true);
            n.put("device", d.name());
            n.put("computeCapability", d.computeCapability());
            n.put("freeBytes", mem[0]);
            n.put("totalBytes", mem[1]);
            n.put("tf32", d.tf32);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            n.put("usable", false);
            n.put("problemClass", e.getClass().getName());
            n.put("problem", e.getMessage());
        }
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (Exception e) {
            throw new IllegalStateException("could not render CUDA info", e);
        }
    }

    public static void main(String[] args) {
        System.out.println(json());
    }
}
