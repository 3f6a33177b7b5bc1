package org.dl4jbridge.nn.transferlearning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.dl4jbridge.bridge.Interrupts;
import org.dl4jbridge.datasets.DataSet;
import org.dl4jbridge.datasets.DataSetIterator;
import org.dl4jbridge.eval.Evaluation;
import org.dl4jbridge.nn.graph.ComputationGraph;
import org.dl4jbridge.nn.graph.TrainingListener;
import org.dl4jbridge.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's long loops stop at the next minibatch once the calling thread is cancelled (what
 * Python's Ctrl-C watcher does from its own thread), and run normally again after the mark is cleared.
 */
class CancellationTest {
    private static final List<DataSet> DATA = TransferLearningRuntimeTest.batches(6, 4, 31);

    @AfterEach
    void clearMark() {
        Interrupts.clear(Thread.currentThread());
    }

    /** Cancels {@code target} from another thread, as the Python watcher thread does. */
    private static void cancelFromAnotherThread(Thread target) {
        Thread t = new Thread(() -> Interrupts.cancel(target), "test-canceller");
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Counts the minibatches handed out. */
    private static final class Counting implements DataSetIterator {
        final DataSetIterator inner = new TransferLearningRuntimeTest.ListIterator(DATA);
        int handedOut;

        @Override public boolean hasNext() { return inner.hasNext(); }
        @Override public DataSet next() { handedOut++; return inner.next(); }
        @Override public void reset() { inner.reset(); }
        @Override public int batch() { return inner.batch(); }
        @Override public List<String> getLabels() { return inner.getLabels(); }
    }

    @Test
    void fitStopsAtTheNextMinibatchAndRunsAgainOnceCleared() {
        ComputationGraph g = TransferLearningRuntimeTest.lesson(TransferLearningRuntimeTest.original());
        Thread caller = Thread.currentThread();
        g.setListeners(new TrainingListener() {
            @Override public void iterationDone(Object model, int iteration, int epoch, double score) {
                if (iteration == 2) cancelFromAnotherThread(caller);
            }
        });
        Counting it = new Counting();
        CancellationException e = assertThrows(CancellationException.class, () -> g.fit(it, 3));
        assertEquals("training was interrupted", e.getMessage());
        assertEquals(2, it.handedOut, "no minibatch after the one during which Ctrl-C came");
        assertEquals(2, g.getIterationCount());
        assertEquals(0, g.getEpochCount(), "an interrupted epoch is not counted");

        Interrupts.clear(caller);
        g.setListeners();
        g.fit(new TransferLearningRuntimeTest.ListIterator(DATA), 1);
        assertEquals(2 + DATA.size(), g.getIterationCount());
        assertEquals(1, g.getEpochCount());
    }

    @Test
    void evaluateStopsAtTheNextMinibatch() {
        ComputationGraph g = TransferLearningRuntimeTest.lesson(TransferLearningRuntimeTest.original());
        Thread caller = Thread.currentThread();
        Counting it = new Counting();
        assertThrows(CancellationException.class, () -> g.evaluate(it, (done, total, note) -> {
            if (done == 3) cancelFromAnotherThread(caller);
        }));
        assertEquals(3, it.handedOut);
        Interrupts.clear(caller);
        Evaluation all = g.evaluate(new TransferLearningRuntimeTest.ListIterator(DATA));
        assertEquals(6 * 4, all.getNumRowCounter());
    }

    @Test
    void featurizeAndFitFeaturizedStopAndLeaveTheNextCallUnchanged() {
        ComputationGraph model = TransferLearningRuntimeTest.lesson(TransferLearningRuntimeTest.original());
        TransferLearningHelper helper = new TransferLearningHelper(model);
        Thread caller = Thread.currentThread();
        Counting it = new Counting();
        AtomicInteger reported = new AtomicInteger();
        assertThrows(CancellationException.class, () -> helper.featurize(it, (done, total, note) -> {
            reported.set(done);
            if (done == 1) cancelFromAnotherThread(caller);
        }));
        assertEquals(1, it.handedOut);
        assertEquals(1, reported.get());

        Interrupts.clear(caller);
        it.reset();
        DataSetIterator features = helper.featurize(it);
        DataSetIterator reference = new TransferLearningHelper(
                TransferLearningRuntimeTest.lesson(TransferLearningRuntimeTest.original()))
                .featurize(new TransferLearningRuntimeTest.ListIterator(DATA));
        while (reference.hasNext()) {
            assertArrayEquals(reference.next().getFeatures().toFloatArray(), features.next().getFeatures().toFloatArray());
        }

        features.reset();
        Interrupts.cancel(caller);   // cancelled before the call: not one update
        assertThrows(CancellationException.class, () -> helper.fitFeaturized(features, 2));
        assertEquals(0, model.getIterationCount());
        assertEquals(0, helper.unfrozenGraph().getIterationCount());
    }

    @Test
    void aJavaCallersOwnInterruptCountsToo() {
        ComputationGraph g = TransferLearningRuntimeTest.lesson(TransferLearningRuntimeTest.original());
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class, () -> g.fit(new TransferLearningRuntimeTest.ListIterator(DATA)));
        } finally {
            Thread.interrupted();
        }
        assertEquals(0, g.getIterationCount());
    }

    @Test
    void anotherThreadsMarkDoesNotStopThisOne() throws Exception {
        Thread other = new Thread(() -> {});
        Interrupts.cancel(other);
        try {
            ComputationGraph g = TransferLearningRuntimeTest.lesson(TransferLearningRuntimeTest.original());
            g.fit(new TransferLearningRuntimeTest.ListIterator(DATA));
            assertEquals(DATA.size(), g.getIterationCount());
        } finally {
            Interrupts.clear(other);
        }
    }

    @Test
    void parameterInitialisationStopsAndAnotherInitDrawsTheSameValues() {
        Thread caller = Thread.currentThread();
        ComputationGraph g = new ComputationGraph(TinyVgg.conf(42));
        Interrupts.cancel(caller);
        CancellationException e = assertThrows(CancellationException.class, g::init);
        assertEquals("initializing the weights was interrupted", e.getMessage());
        Interrupts.clear(caller);
        g.init();
        assertArrayEquals(TransferLearningRuntimeTest.original().params().dup().toFloatArray(), g.params().dup().toFloatArray());
    }

    @Test
    void savingAndRestoringStopAndLeaveNoFileBehind(@TempDir Path dir) throws Exception {
        Thread caller = Thread.currentThread();
        ComputationGraph g = TransferLearningRuntimeTest.original();
        Path zip = dir.resolve("model.zip");
        Interrupts.cancel(caller);
        assertThrows(CancellationException.class, () -> ModelSerializer.writeModel(g, zip.toString(), true));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "no model.zip and no temporary file");
        }
        Interrupts.clear(caller);
        ModelSerializer.writeModel(g, zip.toString(), true);

        Interrupts.cancel(caller);
        assertThrows(CancellationException.class, () -> ModelSerializer.restoreComputationGraph(zip, true));
        Interrupts.clear(caller);
        assertArrayEquals(g.params().dup().toFloatArray(),
                ModelSerializer.restoreComputationGraph(zip, true).params().dup().toFloatArray());
    }
}
