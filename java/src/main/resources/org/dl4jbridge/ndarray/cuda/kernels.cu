// The CUDA backend's element-wise kernels: the small ops cuDNN and cuBLAS do not cover (bias,
// LeakyReLU, losses, updaters, pre-processing). Compiled at run time by NVRTC (CudaKernels.java);
// every entry point is extern "C" so its PTX/CUBIN name is the plain name the backend looks up.
//
// Grid-stride loops: any launch covers any n. Counts are long long because activations of a
// batch pass 2^31 elements. The arithmetic mirrors the CPU engine's float code line by line
// (nn/updater/*.java, ops/Activation), so that the GPU matches it within rounding.

#define GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)blockDim.x * gridDim.x)

// ---- bias ------------------------------------------------------------------------------------

// y[n, c, h, w] += b[c]; hw = h * w
extern "C" __global__ void bias_add_nchw(float* y, const float* b, long long n, int c, long long hw) {
    GRID_STRIDE(i, n) y[i] += b[(i / hw) % c];
}

// y[rows, cols] += b[cols] (dense layers)
extern "C" __global__ void bias_add_rows(float* y, const float* b, long long n, int cols) {
    GRID_STRIDE(i, n) y[i] += b[i % cols];
}

// out[j] = sum over rows of g[r, j] (+ beta * out[j]): the dense bias gradient. One thread per
// column, rows summed in order, the CPU engine's order.
extern "C" __global__ void column_sums(const float* g, float* out, int rows, int cols, float beta) {
    GRID_STRIDE(j, cols) {
        float s = 0.f;
        for (int r = 0; r < rows; r++) s += g[(long long)r * cols + j];
        out[j] = (beta == 0.f ? 0.f : beta * out[j]) + s;
    }
}

// ---- activations cuDNN lacks -----------------------------------------------------------------

extern "C" __global__ void leaky_relu_forward(const float* x, float* y, long long n, float alpha) {
    GRID_STRIDE(i, n) { float v = x[i]; y[i] = v > 0.f ? v : alpha * v; }
}

// From the output a (as the engine's ActivationFn.backward): a > 0 exactly where z > 0 (alpha > 0).
extern "C" __global__ void leaky_relu_backward(const float* a, const float* da, float* dz, long long n,
                                               float alpha) {
    GRID_STRIDE(i, n) dz[i] = a[i] > 0.f ? da[i] : alpha * da[i];
}

// ---- losses (gradient with respect to the pre-activation, output activation fused) -----------

// softmax + multi-class cross-entropy (MCXENT) or sigmoid + binary cross-entropy (XENT):
// dL/dz = (p - y) * scale, scale = 1 / minibatch
extern "C" __global__ void prob_minus_label(const float* p, const float* labels, float* dz, long long n,
                                            float scale) {
    GRID_STRIDE(i, n) dz[i] = (p[i] - labels[i]) * scale;
}

// Per-example score of MCXENT: out[r] = -sum_j y[r,j] * log(p[r,j]), p clipped to [eps, 1 - eps] as the
// CPU engine does (ops/LossFunction).
extern "C" __global__ void mcxent_rows(const float* p, const float* labels, float* out, int rows, int cols,
                                       float eps) {
    GRID_STRIDE(r, rows) {
        float s = 0.f;
        for (int j = 0; j < cols; j++) {
            float y = labels[(long long)r * cols + j];
            if (y != 0.f) s -= y * logf(fminf(fmaxf(p[(long long)r * cols + j], eps), 1.f - eps));
        }
        out[r] = s;
    }
}

// Per-example score of MSE: out[r] = mean_j (p - y)^2; its gradient is prob_minus_label with
// scale 2 / (cols * minibatch) on an identity output.
extern "C" __global__ void mse_rows(const float* p, const float* labels, float* out, int rows, int cols) {
    GRID_STRIDE(r, rows) {
        float s = 0.f;
        for (int j = 0; j < cols; j++) {
            float d = p[(long long)r * cols + j] - labels[(long long)r * cols + j];
            s += d * d;
        }
        out[r] = s / cols;
    }
}

// ---- updaters: g becomes the update that is subtracted from the parameters --------------------

extern "C" __global__ void sgd_update(float* g, long long n, float lr) {
    GRID_STRIDE(i, n) g[i] = lr * g[i];
}

extern "C" __global__ void nesterovs_update(float* g, float* v, long long n, float lr, float mu) {
    GRID_STRIDE(i, n) {
        float vPrev = v[i];
        float vNew = mu * vPrev - lr * g[i];
        v[i] = vNew;
        g[i] = mu * vPrev - (1.f + mu) * vNew;
    }
}

// alphaT = lr * sqrt(1 - beta2^t) / (1 - beta1^t): Adam.stepSize, computed on the host as the CPU updater does.
extern "C" __global__ void adam_update(float* g, float* m, float* v, long long n, float alphaT, float b1,
                                       float b2, float eps) {
    GRID_STRIDE(i, n) {
        float gi = g[i];
        float mi = b1 * m[i] + (1.f - b1) * gi;
        float vi = b2 * v[i] + gi * gi * (1.f - b2);
        m[i] = mi;
        v[i] = vi;
        g[i] = alphaT * mi / (sqrtf(vi) + eps);
    }
}

extern "C" __global__ void rmsprop_update(float* g, float* r, long long n, float lr, float decay, float eps) {
    GRID_STRIDE(i, n) {
        float gi = g[i];
        float ri = decay * r[i] + gi * gi * (1.f - decay);
        r[i] = ri;
        g[i] = lr * gi / (sqrtf(ri) + eps);  // eps outside the root, as DL4J (and the engine's RmsProp)
    }
}

// params -= update
extern "C" __global__ void subtract_inplace(float* params, const float* update, long long n) {
    GRID_STRIDE(i, n) params[i] -= update[i];
}

// ---- pre-processing ---------------------------------------------------------------------------

// Decoded 8-bit HWC images (batch, h, w, c) to float NCHW: (v * scale - mean[ch]) / std[ch].
// c is 1 or 3; ImagePreProcessingScaler is scale=1/255, mean 0, std 1; VGG16's mean subtraction is
// scale 1, std 1 and the ImageNet means.
extern "C" __global__ void u8_hwc_to_nchw(const unsigned char* src, float* dst, int batch, int h, int w, int c,
                                          float scale, float m0, float m1, float m2, float s0, float s1, float s2) {
    long long n = (long long)batch * h * w * c;
    GRID_STRIDE(i, n) {
        // i indexes the destination: ((b * c + ch) * h + y) * w + x
        long long x = i % w, y = (i / w) % h, ch = (i / ((long long)w * h)) % c, b = i / ((long long)w * h * c);
        float v = (float)src[((b * h + y) * w + x) * c + ch] * scale;
        float mean = ch == 0 ? m0 : (ch == 1 ? m1 : m2);
        float sd = ch == 0 ? s0 : (ch == 1 ? s1 : s2);
        dst[i] = (v - mean) / sd;
    }
}

// DL4J's depthwise weights [kH, kW, nIn, mult] to cuDNN's grouped filter [nIn * mult, 1, kH, kW]
// (output channel ic * mult + m, the order of the engine's depthwise output).
extern "C" __global__ void depthwise_to_kcrs(const float* w, float* out, int kh, int kw, int nIn, int mult) {
    long long n = (long long)kh * kw * nIn * mult;
    GRID_STRIDE(i, n) {
        long long m = i % mult, ic = (i / mult) % nIn, kx = (i / ((long long)mult * nIn)) % kw,
                  ky = i / ((long long)mult * nIn * kw);
        out[((ic * mult + m) * kh + ky) * kw + kx] = w[i];
    }
}

// The inverse, for the weight gradient.
extern "C" __global__ void kcrs_to_depthwise(const float* k, float* out, int kh, int kw, int nIn, int mult) {
    long long n = (long long)kh * kw * nIn * mult;
    GRID_STRIDE(i, n) {
        long long m = i % mult, ic = (i / mult) % nIn, kx = (i / ((long long)mult * nIn)) % kw,
                  ky = i / ((long long)mult * nIn * kw);
        out[i] = k[((ic * mult + m) * kh + ky) * kw + kx];
    }
}

// Batch norm's running statistics: running = decay * running + (1 - decay) * batch, as the engine's
// BatchNorm.updateRunningStats. The batch variance is recovered from cuDNN's saved 1/sqrt(var + eps),
// so it is the biased one (divided by n) the engine keeps; cuDNN's own update would keep the unbiased one.
extern "C" __global__ void bn_running_update(float* runMean, float* runVar, const float* mean, const float* invStd,
                                             int c, float decay, float eps) {
    GRID_STRIDE(i, c) {
        float var = 1.f / (invStd[i] * invStd[i]) - eps;
        runMean[i] = decay * runMean[i] + (1.f - decay) * mean[i];
        runVar[i] = decay * runVar[i] + (1.f - decay) * var;
    }
}
