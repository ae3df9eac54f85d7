"""ioakit.refinement"""
