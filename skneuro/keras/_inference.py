"""Fast inference: one traced TensorFlow function per fitted model.

``Model.predict`` builds a dataset and an iterator on every call (tens of
milliseconds), which dominates when scoring a single row. The fitted
estimator instead keeps a ``tf.function`` with a fixed input signature,
traced once; it runs the model in inference mode and maps logits to
probabilities in the same graph.

Inputs are fed in row counts that are multiples of ``ROW_MULTIPLE``: a
single row would otherwise take a matrix-vector kernel whose rounding differs
from the matrix-matrix kernel used for larger inputs, and a row's prediction
would depend on how many rows it was predicted with.
"""

import numpy as np

from ._backend import import_keras, import_tensorflow, is_tensorflow_backend

ROW_MULTIPLE = 8


class CompiledForward:
    """Call ``model`` on NumPy input, in chunks of ``batch_size`` rows.

    Estimators drop it when pickled and build a new one around the
    unpickled model.
    """

    def __init__(self, model, n_features: int, transform: str | None):
        self.model = model
        self.n_features = n_features
        self.transform = transform
        self._function = self._trace()

    def _trace(self):
        keras = import_keras()
        model, transform = self.model, self.transform

        def forward(x):
            out = model(x, training=False)
            if transform == "softmax":
                out = keras.ops.softmax(out, axis=-1)
            elif transform == "sigmoid":
                out = keras.ops.sigmoid(out)
            return out

        if not is_tensorflow_backend():
            return lambda x: keras.ops.convert_to_numpy(forward(x))
        tf = import_tensorflow()
        spec = tf.TensorSpec([None, self.n_features], tf.float32)
        # A concrete function: calls skip tf.function's argument matching
        # and its retracing bookkeeping (which warns when many fitted models,
        # as in a grid search, each trace their own function).
        traced = tf.function(forward, input_signature=[spec], autograph=False)
        concrete = traced.get_concrete_function()
        return lambda x: concrete(tf.constant(x)).numpy()

    def __call__(self, X: np.ndarray, batch_size: int) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        chunks = [
            self._padded_call(X[start : start + batch_size])
            for start in range(0, len(X), batch_size)
        ]
        return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)

    def _padded_call(self, X: np.ndarray) -> np.ndarray:
        n_rows = len(X)
        missing = -n_rows % ROW_MULTIPLE
        if missing:
            X = np.concatenate([X, np.zeros((missing, X.shape[1]), dtype=X.dtype)])
        return self._function(X)[:n_rows]
