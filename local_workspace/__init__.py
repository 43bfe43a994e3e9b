"""Local stand-ins for a Databricks workspace and the Apps proxy; never deployed with the app."""
