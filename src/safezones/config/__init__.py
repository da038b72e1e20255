"""The formats a user writes: scenario files, sweep specs, and key paths into them."""
