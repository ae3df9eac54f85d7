"""ioakit.traces"""
