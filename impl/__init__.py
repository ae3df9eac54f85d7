"""ioakit.impl"""
