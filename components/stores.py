"""Ids of the stores the shell owns and pages may write (a page sets the theme the user just chose)."""

THEME_STORE = "shell-theme"  # pages write the theme the user just chose here
LOADED_THEME_STORE = "shell-theme-loaded"  # the stored theme, read on each full page load
THEME_MODE_STORE = "shell-theme-mode"  # the theme in effect, "light" or "dark": charts follow it
ERROR_BANNER_ID = "shell-error-banner"  # where the shell shows errors no callback caught
TIME_ZONE_STORE = "shell-time-zone"  # the browser's IANA time zone ("Europe/Paris"): times shown and typed are in it
