"""What every layer shares: settings, the error hierarchy and the signed-in user's identity.

Lower than services/, pages/ and dashboard/: it imports none of them."""
