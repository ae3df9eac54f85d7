"""ioakit.specs"""
