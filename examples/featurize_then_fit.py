"""DL4J's FeaturizedPreSave + FitFromFeaturized, from Python: run the frozen part once, train the head many times.

DL4J's version saves each featurized minibatch as a file and reads them back; here the
TransferLearningHelper keeps them in a feature cache on disk (keyed by the frozen part's
parameters, the boundary layer and the data), so a second run of this script skips the forward pass
through the frozen layers entirely.

    python examples/featurize_then_fit.py [--epochs 3] [--max-examples N]
"""

import argparse
from pathlib import Path

from dl4j_bridge import config
from dl4j_bridge.datasets import FlowerDataSetIterator
from dl4j_bridge.nn import Activation, LossFunction, Nesterovs, OutputLayer
from dl4j_bridge.transfer import FineTuneConfiguration, TransferLearning, TransferLearningHelper
from dl4j_bridge.zoo import EfficientNetLite0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=0)
    args = parser.parse_args()

    zoo_model = EfficientNetLite0()
    model = (TransferLearning.GraphBuilder(zoo_model.init_pretrained())
             .fine_tune_configuration(FineTuneConfiguration(updater=Nesterovs(learning_rate=0.01, momentum=0.9),
                                                            seed=12345))
             .set_feature_extractor("global_pool")
             .remove_vertex_keep_connections("predictions")
             .add_layer("predictions", OutputLayer(n_in=1280, n_out=5, activation=Activation.SOFTMAX,
                                                   loss=LossFunction.NEGATIVELOGLIKELIHOOD), "global_pool")
             .build())
    train, test = FlowerDataSetIterator.setup(batch_size=16, train_percent=80, seed=12345,
                                              preprocessor=zoo_model.preprocessor, max_examples=args.max_examples)

    helper = TransferLearningHelper(model, feature_cache=Path(config.get("cache_dir")) / "features")
    train_features = helper.featurize(train)   # cached: the key is the photos, their settings and the frozen part
    print(f"train features: {train_features.total_examples} examples ({helper.last_cache_status()})")
    test_features = helper.featurize(test)
    print(f"test features:  {test_features.total_examples} examples ({helper.last_cache_status()})")

    head = helper.unfrozen_graph()
    print(head.summary())
    print("Eval stats BEFORE fit.....\n" + head.evaluate(test_features).stats())
    for epoch in range(args.epochs):
        helper.fit_featurized(train_features)
        print(f"Epoch #{epoch} complete: test accuracy {head.evaluate(test_features).accuracy():.4f}")
    # The trained head is copied back into the full model, which now classifies photos end to end.
    print("full model on photos: accuracy", f"{model.evaluate(test).accuracy():.4f}")
    print("Model build complete")


if __name__ == "__main__":
    main()
