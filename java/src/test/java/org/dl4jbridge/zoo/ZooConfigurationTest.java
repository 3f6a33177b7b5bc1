package org.dl4jbridge.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jbridge.datasets.ChannelOrder;
import org.dl4jbridge.nn.conf.ComputationGraphConfiguration;
import org.dl4jbridge.util.ConfigSummary;
import org.dl4jbridge.util.LegacyConfigUpgrader;
import org.dl4jbridge.util.ModelFormatException;
import org.junit.jupiter.api.Test;

/** The zoo graphs' structure against the published figures (DL4J_SPEC 4.3, EFFNET_LITE0.md). */
class ZooConfigurationTest {

    private static Map<String, Long> paramsByLayer(ComputationGraphConfiguration conf) throws ModelFormatException {
        ConfigSummary s = ConfigSummary.of(LegacyConfigUpgrader.upgrade(conf.toJson(), "zoo"), "zoo");
        Map<String, Long> out = new LinkedHashMap<>();
        for (ConfigSummary.Layer l : s.layers()) out.put(l.name(), l.numParams());
        return out;
    }

    @Test
    void vgg16HasDl4jsPretrainedVertexNamesAndParameterCounts() throws ModelFormatException {
        ComputationGraphConfiguration conf = new VGG16().conf();
        List<String> expectedNames = new ArrayList<>(List.of(
                "block1_conv1", "block1_conv2", "block1_pool", "block2_conv1", "block2_conv2", "block2_pool",
                "block3_conv1", "block3_conv2", "block3_conv3", "block3_pool", "block4_conv1", "block4_conv2",
                "block4_conv3", "block4_pool", "block5_conv1", "block5_conv2", "block5_conv3", "block5_pool",
                "flatten", "fc1", "fc2", "predictions"));
        assertEquals(expectedNames, new ArrayList<>(conf.getVertices().keySet()));
        assertEquals(List.of(VGG16.INPUT), conf.getNetworkInputs());
        Map<String, Long> p = paramsByLayer(conf);
        // DL4J_SPEC 4.3 table
        assertEquals(1_792L, p.get("block1_conv1"));
        assertEquals(295_168L, p.get("block3_conv1"));
        assertEquals(2_359_808L, p.get("block5_conv3"));
        assertEquals(102_764_544L, p.get("fc1"));
        assertEquals(16_781_312L, p.get("fc2"));
        assertEquals(4_097_000L, p.get("predictions"));
        assertEquals(138_357_544L, p.values().stream().mapToLong(Long::longValue).sum());
        assertEquals(ComputationGraphConfiguration.fromJson(conf.toJson()).toJson(), conf.toJson());
        VGG16 vgg = new VGG16();
        assertEquals(ChannelOrder.BGR, vgg.channelOrder());
        assertEquals("VGG16ImagePreProcessor", vgg.preProcessorName());
    }

    @Test
    void efficientNetHasTheTableOfEffnetLite0AndItsParameterCount() throws ModelFormatException {
        ComputationGraphConfiguration conf = new EfficientNetLite0().conf();
        Map<String, Long> p = paramsByLayer(conf);
        long bnChannels = 0;
        int convs = 0, bns = 0, adds = 0;
        for (var e : conf.getVertices().entrySet()) {
            if (e.getKey().endsWith("_bn")) {
                bns++;
                bnChannels += p.get(e.getKey()) / 4;
            } else if (e.getKey().endsWith("_add")) {
                adds++;
            } else if (p.getOrDefault(e.getKey(), 0L) > 0 && !e.getKey().equals("predictions")) {
                convs++;
            }
        }
        assertEquals(49, convs, "49 convolutions (EFFNET_LITE0.md: 49 convs + 49 BN + fc)");
        assertEquals(49, bns);
        assertEquals(9, adds, "residual blocks 2,4,6,7,9,10,12,13,14");
        long total = p.values().stream().mapToLong(Long::longValue).sum();
        // 4,652,008 trainable (published) plus BN running mean and variance, which DL4J counts as parameters
        assertEquals(4_652_008L + 2 * bnChannels, total);
        assertEquals(1_281_000L, p.get("predictions"));
        assertTrue(conf.getVertices().containsKey("global_pool"));
        assertEquals(List.of("predictions"), conf.getNetworkOutputs());
        assertEquals(ComputationGraphConfiguration.fromJson(conf.toJson()).toJson(), conf.toJson());
        EfficientNetLite0 m = new EfficientNetLite0();
        assertEquals(ChannelOrder.RGB, m.channelOrder());
        assertEquals("EfficientNetLitePreProcessor", m.preProcessorName());
    }

    @Test
    void badArgumentsAreRefusedWithTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> VGG16.builder().inputShape(3, 100, 100).build());
        assertTrue(e.getMessage().contains("[3, 100, 100]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EfficientNetLite0.builder().numClasses(0).build());
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EfficientNetLite0.builder().inputShape(1, 224, 224).build());
        assertTrue(e.getMessage().contains("[1, 224, 224]"), e.getMessage());
    }

    @Test
    void pretrainedLocationsFollowDl4jsLayout() {
        VGG16 vgg = new VGG16();
        assertEquals(DL4JResources.DEFAULT_BASE_URL + "models/vgg16_dl4j_inference.zip", vgg.pretrainedUrl(PretrainedType.IMAGENET));
        assertEquals(3501732770L, vgg.pretrainedChecksum(PretrainedType.IMAGENET));
        assertEquals(DL4JResources.getBaseDirectory().resolve("models/vgg16/vgg16_dl4j_inference.zip"),
                vgg.pretrainedCachePath(PretrainedType.IMAGENET));
        var e = assertThrows(UnsupportedOperationException.class, () -> vgg.pretrainedCachePath(PretrainedType.MNIST));
        assertTrue(e.getMessage().contains("IMAGENET CIFAR10 VGGFACE"), e.getMessage());
    }
}
