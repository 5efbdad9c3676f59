"""arignote demo: a logistic-regression loss built, compiled, printed and evaluated,
then trained with its symbolic gradient, and a recurrence written with `scan`."""

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

    # Training: the gradient is a graph like any other; updates change the shared
    # parameters after each call.
    w.set_value(np.zeros(n_features))
    grad_w, grad_b = arignote.grad(loss, [w, b])
    learning_rate = 0.5
    train = arignote.function([X, y], loss, updates=[(w, w - learning_rate * grad_w),
                                                     (b, b - learning_rate * grad_b)])
    for _ in range(200):
        train(data, labels)
    value, acc = f(data, labels)
    print(f"after 200 gradient steps: loss {value:.6f}, accuracy {acc:.2f}")

    # A loop: an exponentially weighted running mean of the losses per sample, with scan.
    per_sample = at.vector("per_sample")
    decay = at.scalar("decay")
    means = arignote.scan(lambda x, m, a: a * m + (1 - a) * x, sequences=per_sample,
                          outputs_info=at.as_tensor_variable(0.0), non_sequences=decay,
                          return_updates=False)
    running = arignote.function([per_sample, decay], means)
    series = rng.normal(size=1000)
    got = running(series, 0.9)
    expected_means, m = np.empty_like(series), 0.0
    for i, x in enumerate(series):
        m = 0.9 * m + 0.1 * x
        expected_means[i] = m
    print(f"scan over 1000 steps: last running mean {got[-1]:.6f} "
          f"(NumPy loop: {expected_means[-1]:.6f})")


if __name__ == "__main__":
    main()
