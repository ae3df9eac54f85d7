"""The algorithms of DynaStore (Aguilera, Keidar, Malkhi, Shraer), registered by the dynastore bundle."""
