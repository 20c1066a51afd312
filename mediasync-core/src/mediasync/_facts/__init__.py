"""Media facts (capture time, size, duration, camera) read from a file's own headers."""
