"""The service layer: the only code that talks to Databricks or Postgres."""
