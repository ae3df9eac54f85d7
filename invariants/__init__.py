"""ioakit.invariants"""
