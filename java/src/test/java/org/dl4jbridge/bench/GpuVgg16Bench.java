package org.dl4jbridge.bench;

import java.util.ArrayList;
import java.util.List;
import org.dl4jbridge.ndarray.NDArray;
import org.dl4jbridge.ndarray.cuda.CudaBackend;
import org.dl4jbridge.ndarray.cuda.CudaDevice;
import org.dl4jbridge.ndarray.cuda.CudnnOps;
import org.dl4jbridge.ndarray.cuda.DeviceBuffer;

/**
 * {@link Vgg16Bench}'s network (same seed, same weights) with every activation on the GPU: cuDNN
 * convolutions, the NVRTC bias kernel, cuDNN ReLU and max pooling, cuBLAS for fc1 and fc2. The batch
 * crosses to the device once and fc2 comes back once. This is the device-resident path the layers
 * do not use yet; tests/gpu/bench_gpu.py times it against PyTorch and checks it against the CPU engine.
 *
 * <p>UNTESTED ON A GPU when written (no GPU was lent).
 */
final class GpuVgg16Bench implements AutoCloseable {
    private final CudaDevice dev;
    private final CudnnOps ops;
    private final CudaBackend blas;
    private final int batch, size;
    private final List<DeviceBuffer[]> convs = new ArrayList<>();
    private final DeviceBuffer fc1W, fc1B, fc2W, fc2B, ping, pong, input;

    GpuVgg16Bench(Vgg16Bench weights, int batch, int size) {
        this.dev = CudaDevice.get();
        this.ops = new CudnnOps(dev);
        this.blas = new CudaBackend(dev);
        this.batch = batch;
        this.size = size;
        for (int i = 0; i < 13; i++) {
            NDArray[] wb = weights.convWeights(i);
            convs.add(new DeviceBuffer[] {upload(wb[0]), upload(wb[1])});
        }
        NDArray[] fc = weights.fcWeights();
        fc1W = upload(fc[0]);
        fc1B = upload(fc[1]);
        fc2W = upload(fc[2]);
        fc2B = upload(fc[3]);
        long largest = (long) batch * 64 * size * size;
        ping = new DeviceBuffer(dev, largest);
        pong = new DeviceBuffer(dev, largest);
        input = new DeviceBuffer(dev, (long) batch * 3 * size * size);
    }

    private DeviceBuffer upload(NDArray a) {
        DeviceBuffer b = new DeviceBuffer(dev, a.length());
        b.upload(a.buffer(), a.offset(), a.length());
        return b;
    }

    /** One forward pass from host input to host fc2 activations [batch, 4096]. */
    NDArray forward(NDArray x) {
        input.upload(x.buffer(), x.offset(), x.length());
        DeviceBuffer cur = input, next = ping;
        int h = size, cin = 3, layer = 0;
        for (int[] block : Vgg16Bench.BLOCKS) {
            for (int cout : block) {
                DeviceBuffer[] wb = convs.get(layer++);
                CudnnOps.ConvShape s = new CudnnOps.ConvShape(batch, cin, h, h, cout, 3, 3, 1, 1, 1, 1, 1, 1, 1);
                ops.convForward(s, cur.pointer(), wb[0].pointer(), next.pointer(), 0f);
                long n = (long) batch * cout * h * h;
                dev.launch("bias_add_nchw", n, next, wb[1], n, cout, (long) h * h);
                ops.activationForward(CudnnOps.Act.RELU, n, next.pointer(), next.pointer());
                cur = next;
                next = next == ping ? pong : ping;
                cin = cout;
            }
            ops.poolForward(true, false, batch, cin, h, h, 2, 2, 0, 0, 2, 2, cur.pointer(), next.pointer());
            h /= 2;
            cur = next;
            next = next == ping ? pong : ping;
        }
        int flat = cin * h * h;
        blas.gemmDevice(false, false, batch, 4096, flat, 1f, cur.pointer(), flat, fc1W.pointer(), 4096, 0f, next.pointer(), 4096);
        long n = (long) batch * 4096;
        dev.launch("bias_add_rows", n, next, fc1B, n, 4096);
        ops.activationForward(CudnnOps.Act.RELU, n, next.pointer(), next.pointer());
        DeviceBuffer out = next == ping ? pong : ping;
        blas.gemmDevice(false, false, batch, 4096, 4096, 1f, next.pointer(), 4096, fc2W.pointer(), 4096, 0f, out.pointer(), 4096);
        dev.launch("bias_add_rows", n, out, fc2B, n, 4096);
        ops.activationForward(CudnnOps.Act.RELU, n, out.pointer(), out.pointer());
        NDArray result = NDArray.zeros(batch, 4096);
        out.download(result.buffer(), 0, n);  // waits for the stream
        return result;
    }

    @Override
    public void close() {
        for (DeviceBuffer[] wb : convs) {
            wb[0].close();
            wb[1].close();
        }
        for (DeviceBuffer b : new DeviceBuffer[] {fc1W, fc1B, fc2W, fc2B, ping, pong, input}) b.close();
        ops.close();
    }
}
