"""Real MLflow models for the local serving endpoints, trained at set-up from data nothing downloads.

- `taxi_fare`: predicts `fare_amount` of a trip from the local `samples.nyctaxi.trips` (DuckDB).
- `iris_species`: classifies iris flowers from the dataset scikit-learn ships.

Each model is saved with its signature and input example. A second set-up finds the saved model, checks
its fingerprint (recipe, library versions, training rows) and trains nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

# Bump when a recipe changes, so saved models are retrained.
RECIPE_VERSION = "1"
TAXI_TRAINING_ROWS = 20_000
FINGERPRINT_FILE = "fingerprint.json"


@dataclass(frozen=True)
class TrainedModel:
    """A model saved in MLflow format, and the registered name it is served under."""

    key: str
    registered_name: str
    version: str
    path: Path


def _fingerprint(key: str, extra: dict[str, Any]) -> dict[str, Any]:
    import mlflow
    import sklearn

    return {
        "recipe": RECIPE_VERSION,
        "model": key,
        "mlflow": mlflow.__version__,
        "sklearn": sklearn.__version__,
    } | extra


def taxi_features(database: Path, rows: int = TAXI_TRAINING_ROWS) -> tuple[Any, Any]:
    """The taxi model's features and target (fare_amount) of the first `rows` trips, as pandas."""
    with duckdb.connect(str(database), read_only=True) as db:
        frame = db.execute(
            """
            SELECT trip_distance,
                   CAST(hour(tpep_pickup_datetime) AS BIGINT) AS pickup_hour,
                   CAST(pickup_zip AS BIGINT) AS pickup_zip,
                   CAST(dropoff_zip AS BIGINT) AS dropoff_zip,
                   fare_amount
            FROM nyctaxi.trips ORDER BY tpep_pickup_datetime, trip_distance LIMIT ?
            """,
            [rows],
        ).df()
    return frame.drop(columns=["fare_amount"]), frame["fare_amount"]


def _train_taxi_fare(database: Path) -> tuple[Any, Any, Any]:
    from sklearn.ensemble import HistGradientBoostingRegressor

    features, target = taxi_features(database)
    model = HistGradientBoostingRegressor(max_iter=100, random_state=0).fit(features, target)
    return model, features, model.predict(features)


def _train_iris() -> tuple[Any, Any, Any]:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    iris = load_iris(as_frame=True)
    features = iris.data.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
    species = iris.target.map(dict(enumerate(iris.target_names)))
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(features, species)
    return model, features, model.predict(features)


def _save_once(
    key: str,
    registered_name: str,
    directory: Path,
    fingerprint: dict[str, Any],
    train: Callable[[], tuple[Any, Any, Any]],
    trusted_types: list[str] | None = None,
) -> TrainedModel:
    target = directory / key
    stamp = target / FINGERPRINT_FILE
    if stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")) == fingerprint:
        return TrainedModel(key, registered_name, "1", target)
    import mlflow.sklearn
    from mlflow.models import infer_signature

    with warnings.catch_warnings():
        # MLflow hints that integer columns cannot hold missing values; the signature is meant to be integers.
        warnings.filterwarnings("ignore", message=".*integer column", category=UserWarning)
        model, features, predictions = train()
        signature = infer_signature(features, predictions)
    # Saved beside the target, then moved in: an interrupted set-up never leaves half a model.
    staging = directory / f".{key}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    mlflow.sklearn.save_model(
        model,
        str(staging),
        signature=signature,
        input_example=features.head(2),
        pip_requirements=[],  # served in this environment; no requirement inference (it would run pip)
        skops_trusted_types=trusted_types,
    )
    (staging / FINGERPRINT_FILE).write_text(json.dumps(fingerprint), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return TrainedModel(key, registered_name, "1", target)


def _database_digest(database: Path) -> str:
    """What the taxi model is trained on: the sample size, which alone decides the rows (they are generated)."""
    with duckdb.connect(str(database), read_only=True) as db:
        row = db.execute("SELECT trips FROM main._sample_size").fetchone()
    return hashlib.sha256(str(row).encode()).hexdigest()[:16]


def train_models(directory: Path, sample_database: Path) -> dict[str, TrainedModel]:
    """Train (or find already trained) every local model under `directory`, by key."""
    directory.mkdir(parents=True, exist_ok=True)
    taxi = _save_once(
        "taxi_fare",
        "samples.models.taxi_fare",
        directory,
        _fingerprint("taxi_fare", {"rows": TAXI_TRAINING_ROWS, "data": _database_digest(sample_database)}),
        lambda: _train_taxi_fare(sample_database),
        # skops asks to trust the tree nodes by name; these were trained here, not downloaded.
        trusted_types=["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"],
    )
    iris = _save_once("iris_species", "samples.models.iris_species", directory, _fingerprint("iris", {}), _train_iris)
    return {taxi.key: taxi, iris.key: iris}
