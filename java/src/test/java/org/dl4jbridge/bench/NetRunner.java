package org.dl4jbridge.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.dl4jbridge.ndarray.Backends;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.Parallel;
import org.dl4jbridge.ndarray.ops.Convolution2D;

/**
 * One benchmark network kept alive between calls, so the Python benchmark can interleave engine
 * and PyTorch batches (on a shared machine the load changes within seconds; interleaving exposes
 * both sides to the same load).
 */
public final class NetRunner {
    private final String name;
    private final int batch;
    private Vgg16Bench vgg;
    private EfficientNetLite0Bench eff;
    private final NDArray input, features;
    private double seconds, convSeconds, convFlops;
    private final double[] layerSeconds = new double[13];
    private int batches;

    public NetRunner(String name, int batch) {
        this.name = name;
        this.batch = batch;
        switch (name) {
            case "vgg16" -> { vgg = new Vgg16Bench(batch, 224, 42); input = vgg.randomInput(7); features = null; }
            case "effnet" -> {
                eff = new EfficientNetLite0Bench(batch, 224, 42);
                input = eff.randomInput(7);
                features = NDArray.zeros(batch, 1280);
            }
            default -> throw new IllegalArgumentException("unknown network " + name + "; use vgg16 or effnet");
        }
    }

    /** Runs one batch; returns its wall time in seconds and adds it to the statistics. */
    public double forwardSeconds() {
        if (vgg != null) vgg.resetConvTiming();
        Convolution2D.phaseSeconds(true);
        long t0 = System.nanoTime();
        if (vgg != null) vgg.forward(input); else eff.forward(input, features);
        double dt = (System.nanoTime() - t0) / 1e9;
        seconds += dt;
        batches++;
        if (vgg != null) {
            convSeconds += vgg.convSeconds();
            convFlops += vgg.convFlops();
            for (int i = 0; i < layerSeconds.length; i++) layerSeconds[i] += vgg.layerSeconds[i];
        }
        return dt;
    }

    /** Forgets the statistics (after warm-up). */
    public void reset() {
        seconds = convSeconds = convFlops = 0;
        java.util.Arrays.fill(layerSeconds, 0);
        batches = 0;
        if (eff != null) {
            eff.profile.clear();
            eff.layerProfile.clear();
        }
    }

    public String statsJson() {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("network", name).put("batch", batch).put("batches", batches);
        out.put("images_per_s", batch * batches / seconds);
        if (vgg != null) {
            out.put("conv_seconds", convSeconds).put("conv_gflops_per_s", convFlops / convSeconds / 1e9);
            out.putPOJO("conv_layer_seconds", layerSeconds);
        } else {
            out.putPOJO("profile_seconds", eff.profile);
            // Per block ("stem", "b00" .. "b15", "head1x1+pool"): its steps, layout conversions included, summed, so
            // a script can set each block beside the same block of another implementation. The head is one entry
            // whether it ran fused with its pool or as the 1x1 convolution and the pool apart.
            java.util.Map<String, Double> blocks = new java.util.TreeMap<>();
            eff.layerProfile.forEach((k, v) -> {
                String block = k.split(" ")[0];
                blocks.merge(block.equals("head1x1") || block.equals("pool") ? "head1x1+pool" : block, v, Double::sum);
            });
            out.putPOJO("block_seconds", blocks);
        }
        out.put("backend", Backends.get().description()).put("engine_threads", Parallel.threads());
        return out.toString();
    }
}
