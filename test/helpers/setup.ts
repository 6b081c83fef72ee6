// Global test setup: nothing yet.
