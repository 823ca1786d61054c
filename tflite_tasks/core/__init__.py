"""The engine, options, inputs, shared pre- and postprocessing, and errors."""
