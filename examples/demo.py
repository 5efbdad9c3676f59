"""arignote demo: a logistic-regression loss built, compiled, printed and evaluated."""

import numpy as np

import arignote
import arignote.tensor as at


def main() -> None:
    rng = np.random.default_rng(0)
    n_samples, n_features = 200, 5
    data = rng.normal(size=(n_samples, n_features))
    true_w = rng.normal(size=n_features)
    labels = (data @ true_w + 0.3 * rng.normal(size=n_samples) > 0).astype("float64")

    # The model: symbolic data, shared parameters.
    X = at.matrix("X")
    y = at.vector("y")
    w = arignote.shared(np.zeros(n_features), name="w")
    b = arignote.shared(np.array(0.0), name="b")
    p = at.sigmoid(X @ w + b)
    loss = -(y * at.log(p) + (1 - y) * at.log(1 - p)).mean()
    loss.name = "loss"
    accuracy = at.eq(p > 0.5, y > 0.5).mean()

    f = arignote.function([X, y], [loss, accuracy])
    print("The compiled graph:")
    arignote.debugprint(f)

    value, acc = f(data, labels)
    z = data @ w.get_value() + b.get_value()
    prob = 1 / (1 + np.exp(-z))
    expected = -np.mean(labels * np.log(prob) + (1 - labels) * np.log(1 - prob))
    print(f"\nloss at w = 0: {value:.6f} (NumPy: {expected:.6f}), accuracy {acc:.2f}")

    w.set_value(true_w)
    value, acc = f(data, labels)
    print(f"loss at the true weights: {value:.6f}, accuracy {acc:.2f}")


if __name__ == "__main__":
    main()
