"""Pure layout builders: functions from data to Dash components, with no callbacks and no I/O."""
