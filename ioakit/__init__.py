"""ioakit: executable I/O-automaton specifications of distributed-algorithms papers, checked."""

__version__ = "0.1.0"
